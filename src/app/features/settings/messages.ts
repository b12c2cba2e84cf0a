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
    },
  },
})
