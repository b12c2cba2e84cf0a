import { defineMessages } from '@/app/i18n/define'

export default defineMessages({
  'zh-CN': {
    households: {
      title: '我的楼栋',
      noBuildings: '还没有分到楼栋，请联系社区。',
      householdCount: '{n} 户',
      floor: '{n} 楼',
      noHouseholds: '这栋楼还没登记住户',
      noResidents: '还没登记住的人',
      residents: '住的人',
      call: '打电话给{name}：{phone}',
      visits: '走访记录',
      noVisits: '还没走访过这户',
      recordVisit: '记走访',
      search: '搜房号、地址、姓名或电话',
      searchResults: '搜索结果',
      noMatch: '没找到，换个字试试',
    },
  },
  en: {
    households: {
      title: 'My buildings',
      noBuildings: 'No buildings assigned yet. Please ask the community office.',
      householdCount: '{n} household | {n} households',
      floor: 'Floor {n}',
      noHouseholds: 'No households registered in this building',
      noResidents: 'No residents registered',
      residents: 'Residents',
      call: 'Call {name}: {phone}',
      visits: 'Visits',
      noVisits: 'No visits to this household yet',
      recordVisit: 'Record a visit',
      search: 'Room, address, name or phone',
      searchResults: 'Search results',
      noMatch: 'Nothing found. Try other words',
    },
  },
})
