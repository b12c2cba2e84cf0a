import { defineMessages } from './define'

/** The words of the frame every screen has, home included: the app's name and the navigation. */
export default defineMessages({
  'zh-CN': {
    app: { name: '楼长助手' },
    nav: { home: '首页', visits: '走访', issues: '诉求', inspections: '巡查', settings: '我的', buildings: '楼栋', back: '返回', main: '主菜单' },
  },
  en: {
    app: { name: 'Doorstep' },
    nav: { home: 'Home', visits: 'Visits', issues: 'Reports', inspections: 'Checks', settings: 'Me', buildings: 'Buildings', back: 'Back', main: 'Main menu' },
  },
})
