import { defineMessages } from '@/app/i18n/define'

export default defineMessages({
  'zh-CN': {
    settings: {
      title: '我的',
      language: '语言',
      textSize: '字体大小',
      sizes: { standard: '标准', large: '大', xlarge: '特大' },
      sample: '南门路115号之二 302 陈伯',
      storage: '手机存储',
      used: '已用 {used}，还能用 {free}',
      unknown: '这部手机不显示存储用量',
      persisted: '数据已锁定，浏览器不会自动清理',
      notPersisted: '浏览器空间紧张时可能清理数据，请常同步',
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
      storage: 'Storage on this phone',
      used: '{used} used, {free} available',
      unknown: 'This phone does not report storage use',
      persisted: 'Data is kept: the browser will not clear it on its own',
      notPersisted: 'The browser may clear data when space runs low: sync often',
      version: 'Version {version}',
    },
  },
})
