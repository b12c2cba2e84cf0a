import type { Building, Community, Grid, Household, Resident } from './households'
import type { ChecklistTemplate } from './inspections'
import { DEFAULT_POINT_RULES } from './points-ledger'
import { DEFAULT_RETENTION_MONTHS } from './retention'
import { DEFAULT_SILENT_DEVICE_DAYS, DEFAULT_VISIT_INTERVALS } from './worklist'

/**
 * Demo reference data: one community with a few old walk-up buildings, so that the app is usable before
 * it has synced with a server. The sync server seeds the same data in demo mode.
 */

export const demoCommunity: Community = { id: 'c-nanmen', name: '南门社区', settings: { ...DEFAULT_VISIT_INTERVALS, silentDeviceDays: DEFAULT_SILENT_DEVICE_DAYS, retentionMonths: DEFAULT_RETENTION_MONTHS, appLock: 'required', points: DEFAULT_POINT_RULES } }

export const demoGrids: Grid[] = [
  { id: 'g-nanmen-1', communityId: 'c-nanmen', name: '第一网格' },
  { id: 'g-nanmen-2', communityId: 'c-nanmen', name: '第二网格' },
]

export const demoBuildings: Building[] = [
  { id: 'b-nanmen-115-2', gridId: 'g-nanmen-1', communityId: 'c-nanmen', address: '南门路115号之二', name: '', floors: 7 },
  { id: 'b-nanmen-117', gridId: 'g-nanmen-1', communityId: 'c-nanmen', address: '南门路117号', name: '', floors: 6 },
  { id: 'b-qiaohu-32', gridId: 'g-nanmen-2', communityId: 'c-nanmen', address: '桥湖路32号', name: '供销社宿舍', floors: 5 },
  { id: 'b-huanbei-8', gridId: 'g-nanmen-2', communityId: 'c-nanmen', address: '环北大道8号', name: '', floors: 8 },
]

const SURNAMES = ['陈', '李', '黄', '伍', '梁', '林', '刘', '邝', '甄', '谭']
const GIVEN = ['国强', '秀英', '美玲', '志明', '丽华', '伟文', '婉仪', '家豪', '少芬', '锦成', '月娥', '建华']

type CareTags = Resident['careTags']

const OCCUPANCY_BY_SEED: Household['occupancy'][] = ['owner', 'owner', 'rented', 'owner', 'vacant']

/** A deterministic few households per building, some with residents who need care. */
function householdsOf(building: Building, index: number): { households: Household[]; residents: Resident[] } {
  const households: Household[] = []
  const residents: Resident[] = []
  const floors = Math.min(building.floors, 4)
  for (let floor = 1; floor <= floors; floor++) {
    for (const door of [1, 2]) {
      const unit = `${floor}0${door}`
      const seed = index * 31 + floor * 7 + door
      const household: Household = {
        id: `${building.id}-${unit}`,
        buildingId: building.id,
        entrance: '',
        unit,
        floor,
        area: 48 + (seed % 5) * 9.5,
        occupancy: OCCUPANCY_BY_SEED[seed % OCCUPANCY_BY_SEED.length]!,
      }
      households.push(household)
      const tagsByKind: CareTags[] = [['elderly_alone'], ['elderly'], [], ['tenant'], ['disabled', 'low_income'], [], ['minor']]
      const count = 1 + (seed % 3)
      for (let n = 0; n < count; n++) {
        const surname = SURNAMES[(seed + n) % SURNAMES.length]!
        const given = GIVEN[(seed * 3 + n) % GIVEN.length]!
        const careTags = n === 0 ? tagsByKind[seed % tagsByKind.length]! : []
        residents.push({
          id: `${household.id}-r${n + 1}`,
          householdId: household.id,
          name: surname + given,
          phone: n === 0 ? `138${String(10000000 + seed * 7919).slice(-8)}` : null,
          birthYear: careTags.includes('elderly_alone') || careTags.includes('elderly') ? 1940 + (seed % 15) : 1970 + (seed % 30),
          careTags,
          movedOutAt: null,
        })
      }
    }
  }
  return { households, residents }
}

const generated = demoBuildings.map(householdsOf)
export const demoHouseholds: Household[] = generated.flatMap((g) => g.households)
export const demoResidents: Resident[] = generated.flatMap((g) => g.residents)

const PUBLISHED = '2026-11-01T00:00:00.000Z'

export const demoTemplates: ChecklistTemplate[] = [
  {
    id: 't-fire-corridor',
    version: 1,
    title: '楼道消防安全',
    description: '每月一次，逐层查看楼道和楼梯间。',
    publishedAt: PUBLISHED,
    items: [
      { id: 'exit-clear', label: '安全出口、楼梯通道畅通，没有堆放杂物', help: '纸箱、旧家具、单车都算杂物。', category: 'safety_hazard' },
      { id: 'exit-sign', label: '疏散指示灯、应急灯能亮', help: '按一下测试按钮。', category: 'repair' },
      { id: 'extinguisher', label: '灭火器在位，压力表指针在绿区', help: '', category: 'safety_hazard' },
      { id: 'hydrant', label: '消火栓箱没有被遮挡，水带齐全', help: '', category: 'safety_hazard' },
      { id: 'fire-door', label: '防火门能自动关上，没有被顶住', help: '', category: 'safety_hazard' },
      { id: 'window', label: '楼道窗户完好，没有破损', help: '破窗容易伤人，台风天更危险。', category: 'repair' },
    ],
  },
  {
    id: 't-ebike',
    version: 1,
    title: '电动自行车充电',
    description: '查看有没有在楼道、楼梯间停放或充电。',
    publishedAt: PUBLISHED,
    items: [
      { id: 'no-corridor-parking', label: '楼道、楼梯间没有停放电动车', help: '', category: 'safety_hazard' },
      { id: 'no-flying-lead', label: '没有从家里拉电线下楼充电（飞线充电）', help: '', category: 'safety_hazard' },
      { id: 'no-battery-indoors', label: '没有把电池拿到楼道充电', help: '', category: 'safety_hazard' },
      { id: 'charging-point', label: '居民知道附近集中充电点在哪里', help: '没有的话，顺便宣传一下。', category: 'policy_question' },
    ],
  },
  {
    id: 't-typhoon',
    version: 1,
    title: '防台风检查',
    description: '台风来之前，重点部位逐一查看。',
    publishedAt: PUBLISHED,
    items: [
      { id: 'balcony-objects', label: '阳台、窗台没有放花盆等易坠物', help: '', category: 'safety_hazard' },
      { id: 'windows-closed', label: '楼道窗户能关紧，玻璃没有裂', help: '', category: 'repair' },
      { id: 'signboards', label: '外墙广告牌、雨棚牢固', help: '', category: 'safety_hazard' },
      { id: 'drains', label: '天台、地面排水口没有堵', help: '', category: 'sanitation' },
      { id: 'vulnerable-informed', label: '独居老人、行动不便的住户已经通知到', help: '留好联系方式，必要时帮助转移。', category: 'elderly_care' },
      { id: 'emergency-supplies', label: '楼内应急物资（手电、沙袋）到位', help: '', category: 'property_management' },
    ],
  },
]
