import { defineMessages } from '@/app/i18n/define'

export default defineMessages({
  'zh-CN': {
    settings: {
      title: '我的',
      language: '语言',
      textSize: '字体大小',
      sizes: { standard: '标准', large: '大', xlarge: '特大' },
      sample: '南门路115号之二 302 陈伯',
      version: '版本 {version}',
      retention: {
        title: '手机上的记录',
        kept: '手机上保留最近 {months} 个月的走访和诉求，共 {n} 条',
        older: '更早的走访，和更早已解决、已办结的诉求，会从手机上清掉，社区服务器上都还在。没同步的、还没办完的诉求和每户最近一次走访不会清。',
      },
      rescue: {
        title: '没同步的记录',
        why: '手机上有 {n} 条记录还没交到社区。一直同步不了（服务器坏了、账号用不了）时，可以导出成加了密码的文件，用微信或数据线交给社区，由社区导入。手机上的记录照样留着，能同步时还会同步，不会重复。',
        action: '导出没同步的记录',
        password: '文件密码',
        passwordHint: '至少{n}位',
        repeat: '再输一遍',
        keepApart: '密码别和文件一起发，打电话或当面告诉社区。',
        submit: '导出文件',
        done: '已导出：{name}。把文件交给社区，再把密码告诉他们。',
        error: {
          short: '密码至少要{n}位',
          repeat: '两次输的密码不一样',
          failed: '没导出成功，请再试一次',
        },
      },
    },
  },
  en: {
    settings: {
      title: 'Me',
      language: 'Language',
      textSize: 'Text size',
      sizes: { standard: 'Standard', large: 'Large', xlarge: 'Extra large' },
      sample: 'Flat 302, 115-2 Nanmen Road',
      version: 'Version {version}',
      retention: {
        title: 'Records on this phone',
        kept: 'This phone keeps the last {months} months of visits and reports: {n} in all',
        older: "Older visits, and older resolved or closed reports, leave this phone and stay on the community's server. Unsynced work, open reports and each household's latest visit always stay.",
      },
      rescue: {
        title: 'Unsynced records',
        why: "{n} records on this phone have not reached the community yet. If sync keeps failing (the server is down, the account no longer works), export them as a password-protected file and give it to the community office by WeChat or cable to import. They stay on this phone and still sync when they can, never twice.",
        action: 'Export unsynced records',
        password: 'File password',
        passwordHint: 'At least {n} characters',
        repeat: 'Type it again',
        keepApart: 'Do not send the password with the file: tell the office by phone or in person.',
        submit: 'Export file',
        done: 'Exported: {name}. Give the office the file, then tell them the password.',
        error: {
          short: 'The password needs at least {n} characters',
          repeat: 'The two passwords differ',
          failed: 'The export failed. Please try again.',
        },
      },
    },
  },
})
