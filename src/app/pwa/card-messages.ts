import { defineMessages } from '@/app/i18n/define'

/** The install and storage cards of 我的, and the sign-in's word on keeping data: not on the first screen. */
export default defineMessages({
  'zh-CN': {
    pwa: {
      install: {
        title: '装到手机桌面',
        why: '装好后从桌面点开就能用，没有网络也行。',
        button: '装到桌面',
        done: '装好了，以后请从手机桌面点“楼长助手”打开。',
        iosStep1: '点 Safari 的分享按钮（方框里一个向上的箭头；看不到就先点“···”）',
        iosStep2: '在弹出的列表里找到“添加到主屏幕”（没看到就往下滑）',
        iosStep3: '点右上角的“添加”',
        wechat: '微信里装不了：点右上角“···”，选“在浏览器打开”，再来这里装。',
      },
      storage: {
        title: '手机存储',
        used: '已用 {used}，还能用 {free}',
        unknown: '这部手机不显示存储用量',
        persisted: '数据已锁定，浏览器不会自动清理',
        notPersisted: '浏览器空间紧张时可能清理数据，请常同步',
        keep: '请浏览器保留数据',
      },
    },
  },
  en: {
    pwa: {
      install: {
        title: 'Add to home screen',
        why: 'Open it from your home screen, with or without network.',
        button: 'Install',
        done: 'Installed: from now on, open “Doorstep” from your home screen.',
        iosStep1: 'Tap Safari’s Share button (a square with an arrow pointing up; tap “···” first if you cannot see it)',
        iosStep2: 'Find “Add to Home Screen” in the list (scroll down if you cannot see it)',
        iosStep3: 'Tap “Add” in the top right corner',
        wechat: 'WeChat cannot install apps: tap “···” in the top right, choose “Open in Browser”, and install from there.',
      },
      storage: {
        title: 'Storage on this phone',
        used: '{used} used, {free} available',
        unknown: 'This phone does not report storage use',
        persisted: 'Data is kept: the browser will not clear it on its own',
        notPersisted: 'The browser may clear data when space runs low: sync often',
        keep: 'Ask the browser to keep the data',
      },
    },
  },
})
