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
    },
  },
})
