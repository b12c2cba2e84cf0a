import { defineMessages } from '@/app/i18n/define'

export default defineMessages({
  'zh-CN': {
    pwa: {
      updateReady: '有新版本了',
      reload: '现在更新',
      later: '等会儿',
      staleDatabase: '应用在另一个页面更新了，请刷新本页再用',
      refresh: '刷新',
    },
  },
  en: {
    pwa: {
      updateReady: 'A new version is ready',
      reload: 'Update now',
      later: 'Later',
      staleDatabase: 'The app was updated in another tab: reload this page to go on',
      refresh: 'Reload',
    },
  },
})
