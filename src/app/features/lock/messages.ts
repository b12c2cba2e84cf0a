import { defineMessages } from '@/app/i18n/define'

export default defineMessages({
  'zh-CN': {
    lock: {
      pad: {
        typed: '已输入 {n} 位，共 6 位',
        delete: '删除',
        deleteLabel: '删除一位',
      },
      newPin: {
        again: '再输一次',
        mismatch: '两次输的不一样，请重新输',
      },
      error: {
        wrong: '密码不对，还能试 {n} 次',
        wait: '输错太多次，请 {n} 秒后再试',
        failed: '没成功，请再试一次',
      },
      setup: {
        title: '设置锁屏密码',
        why: '手机里有居民的姓名和电话。设了锁屏密码，手机丢了别人也看不到。',
        first: '输入 6 位数字',
        skip: '暂不设置',
        recoveryWhy: '再输一次登录密码：忘了锁屏密码时，凭它找回。',
        withoutRecovery: '没网，先只设锁屏密码（忘了它，没同步的记录就找不回）',
        busy: '正在给手机上的资料加密…',
      },
      locked: {
        heading: '已锁定',
        title: '输入锁屏密码',
        busy: '正在解锁…',
        forgot: '忘记密码？',
        exhausted: '输错 10 次，已同步的资料已从手机清除，没同步的还在。请用登录密码找回。',
      },
      recover: {
        title: '用登录密码找回',
        why: '输入登录密码，再设一个新的锁屏密码。要联网。',
        password: '登录密码',
        newPin: '新的锁屏密码',
        busy: '正在找回…',
        back: '想起来了，输锁屏密码',
        error: {
          missing: '请先填登录密码',
          forbidden: '登录密码不对',
          offline: '找回要联网，请连上网络再试',
          noKey: '这台手机上的资料打不开了。退出登录再重新登录，已同步的资料会重新下载回来。',
        },
      },
      settings: {
        title: '锁屏密码',
        change: '修改锁屏密码',
        current: '输入现在的锁屏密码',
        next: '输入新的锁屏密码',
        done: '锁屏密码已修改',
        lockNow: '立即锁定',
        setUp: '设置锁屏密码',
        plain: '没设锁屏密码，手机丢了别人能看到居民的资料。',
      },
    },
  },
  en: {
    lock: {
      pad: {
        typed: '{n} of 6 digits typed',
        delete: 'Delete',
        deleteLabel: 'Delete one digit',
      },
      newPin: {
        again: 'Type it again',
        mismatch: 'The two PINs differ. Please start again',
      },
      error: {
        wrong: 'Wrong PIN. {n} try left | Wrong PIN. {n} tries left',
        wait: 'Too many wrong PINs. Try again in {n} second | Too many wrong PINs. Try again in {n} seconds',
        failed: 'That did not work. Please try again',
      },
      setup: {
        title: 'Set a screen lock PIN',
        why: "This phone holds residents' names and phone numbers. With a PIN, nobody else can read them, even if the phone is lost.",
        first: 'Type 6 digits',
        skip: 'Not now',
        recoveryWhy: 'Type your sign-in password too: with it you can get back in if you forget the PIN.',
        withoutRecovery: 'No network: set the PIN only (if you forget it, unsynced work is lost)',
        busy: 'Encrypting the data on this phone…',
      },
      locked: {
        heading: 'Locked',
        title: 'Enter your PIN',
        busy: 'Unlocking…',
        forgot: 'Forgot your PIN?',
        exhausted: 'Wrong PIN 10 times. Synced data has been removed from this phone; unsynced work is still here. Use your sign-in password to get back in.',
      },
      recover: {
        title: 'Get back in with your password',
        why: 'Type your sign-in password, then choose a new PIN. This needs the network.',
        password: 'Sign-in password',
        newPin: 'New PIN',
        busy: 'Getting back in…',
        back: 'I remember it: enter the PIN',
        error: {
          missing: 'Type your sign-in password first',
          forbidden: 'Wrong sign-in password',
          offline: 'This needs the network. Please connect and try again',
          noKey: 'The data on this phone cannot be opened any more. Sign out and sign in again: what was synced comes back.',
        },
      },
      settings: {
        title: 'Screen lock PIN',
        change: 'Change PIN',
        current: 'Type your current PIN',
        next: 'Type the new PIN',
        done: 'PIN changed',
        lockNow: 'Lock now',
        setUp: 'Set a screen lock PIN',
        plain: "No PIN is set: if this phone is lost, anyone can read residents' data on it.",
      },
    },
  },
})
