/**
 * Password rules, the same on the server (sign-in password changes, the admin CLI) and on the phone (the
 * change-password form says what is wrong before sending). Plain TypeScript, no zod: the phone's form is
 * small and should stay so.
 *
 * Length beats cleverness (NIST SP 800-63B): at least ten characters, and none of the passwords that every
 * guesser tries first — the common ones, one character repeated, a run on the keyboard or the digits, the
 * username itself. No rules about digits or capitals: they make passwords harder to remember, not to guess.
 */

export const PASSWORD_MIN_LENGTH = 10

/** Why a password is refused; null when it is good enough. */
export type PasswordProblem = 'too_short' | 'common' | 'repeated' | 'sequence' | 'username'

/** In lowercase; the length rule already refuses every shorter common password. */
const COMMON = new Set(
  `
1234567890 0123456789 0987654321 9876543210 1234567899 1234512345 1122334455 1234554321 1234567891 1qaz2wsx3edc
123456789a 123456789q a123456789 q123456789 qwertyuiop qwertyuiop1 asdfghjkl; asdfghjkl1 zxcvbnm123 1q2w3e4r5t
1q2w3e4r5t6y 1a2b3c4d5e 12qwaszx12 qwerty1234 qwerty12345 qwerty123456 1qazxsw23edc zaq12wsxcde q1w2e3r4t5
q1w2e3r4t5y6 password123 password1234 password12345 passw0rd123 p@ssw0rd123 p@ssword123 password01 password007
passwordpassword mypassword mypassword1 iloveyou123 iloveyou12 iloveyou1314 woaini1314 woaini520 5201314520
52013145201314 1314520520 woainimama woainibaba woaiwojia woainia123 aini1314520 wangyang123 zhangwei123
wang123456 zhang123456 li12345678 liu123456 chen123456 yang123456 huang123456 zhao123456 wu12345678
abc1234567 abcd123456 abcde12345 abc123456789 abcdefghij abcdefg123 a1b2c3d4e5 aa12345678 aa123456789
qq123456789 qq12345678 admin12345 admin123456 administrator admin@123 admin1234567 root123456 rootroot
welcome123 welcome1234 letmein123 changeme123 changeme1 default123 secret1234 sunshine12 princess12
football12 baseball12 superman12 batman1234 dragon1234 monkey1234 master1234 shadow1234 michael123
jennifer12 jordan2323 hello12345 hello123456 helloworld helloworld1 trustno123 starwars12 pokemon123
computer12 internet12 whatever12 freedom123 qazwsxedc123 qazwsxedcrfv 1qaz2wsx3e 1qaz@wsx3edc zxcvbnm,./
doorstep-demo doorstep123 doorstep1234 community1 community123 shequ12345 shequ123456 louzhang123
huawei12345 xiaomi12345 iphone12345 wechat1234 weixin1234 alipay1234 taobao1234 baidu12345 tencent123
china12345 china123456 beijing123 shanghai123 guangzhou123 shenzhen123 nanjing123 hangzhou123 wuhan12345
88888888888 8888888888 666666666666 1231231231 1212121212 1212312123 1472583690 1593574862 7894561230
3692581470 1478963250 1597534862 2580258025 5211314520 1314521521 7758521521 7758258258 1357924680
2468013579 1357913579 2468024680 1029384756 0192837465 1111122222 1234123412 1234567812 1234567800
a1234567890 a12345678 aaaaaa1111 aaaa111111 zz12345678 12345678aa 12345678ab 12345678abc 123456abcd
123456qwer 123456asdf 123456zxcv 123qweasdzxc qweasdzxc123 qweasdzxc1 asdqwe1234 asdzxc1234 zxcasdqwe1
password2020 password2021 password2022 password2023 password2024 password2025 password2026
19491001 1949100119491001 2008080808 2020202020 2021202120 2022202220 2023202320 2024202420 2025202520
`
    .trim()
    .split(/\s+/),
)

/** Runs every guesser tries: the digits, the alphabet and the rows of a keyboard, either way round. */
const RUNS = ['01234567890', 'abcdefghijklmnopqrstuvwxyz', 'qwertyuiop', 'asdfghjkl', 'zxcvbnm', '1qaz2wsx3edc4rfv5tgb']

/** A stretch of one run (or a few runs one after another), e.g. `0123456789`, `9876543210`, `qwertyuiopasdf`. */
function isSequence(password: string): boolean {
  const rows = RUNS.flatMap((run) => [run, [...run].reverse().join('')])
  // Cut the password into pieces that each continue one run; a password made of at most two such pieces is a sequence.
  let pieces = 0
  let i = 0
  while (i < password.length) {
    let longest = 1
    for (const row of rows) {
      const start = row.indexOf(password[i]!)
      if (start < 0) continue
      let n = 0
      while (i + n < password.length && row[start + n] === password[i + n]) n++
      longest = Math.max(longest, n)
    }
    if (longest < 3) return false
    pieces++
    i += longest
  }
  return pieces <= 2
}

/**
 * Why `password` may not be used (by the user `username`, if known), or null when it may. The reason codes
 * are for the caller's own words: the phone says them in Chinese, the server and the CLI in English.
 */
export function passwordProblem(password: string, username = ''): PasswordProblem | null {
  if ([...password].length < PASSWORD_MIN_LENGTH) return 'too_short'
  const lower = password.toLowerCase()
  if (COMMON.has(lower)) return 'common'
  // One character, or one short group, over and over: 1111111111, abababab12 is fine but ababababab is not.
  if (/^(.{1,3})\1+$/su.test(lower)) return 'repeated'
  if (isSequence(lower)) return 'sequence'
  const name = username.trim().toLowerCase()
  if (name && (lower === name || (name.length >= 3 && lower.replaceAll(name, '').length < 4))) return 'username'
  return null
}

/** The rule each problem breaks, for the server's and the CLI's messages. */
export const PASSWORD_PROBLEM_TEXT: Record<PasswordProblem, string> = {
  too_short: `The password must have at least ${PASSWORD_MIN_LENGTH} characters.`,
  common: 'This password is one of the most common ones; choose another.',
  repeated: 'The password may not repeat one character or a short group over and over.',
  sequence: 'The password may not be a run of the keyboard or of the digits, like 1234567890 or qwertyuiop.',
  username: 'The password may not be the username, or the username with a few characters added.',
}
