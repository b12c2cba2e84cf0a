import { z } from 'zod'
import {
  Account,
  ApiError,
  AuditPage,
  BuildingSummary,
  Campaign,
  CampaignProgress,
  CampaignSummary,
  Canvass,
  Community,
  CommunitySettings,
  CommunitySummary,
  Coverage,
  CoverageHousehold,
  DeviceInfo,
  DeviceStanding,
  IssuedPassword,
  Mentorship,
  MentorshipRow,
  MonthlyReport,
  PointAdjustment,
  PointsMonth,
  RESCUE_PASSWORD_HEADER,
  RESCUE_TYPE,
  RescueResult,
  RosterPreview,
  type AccountChange,
  type BuildingAssignment,
  type CommunitySettingsChange,
  type DeviceRevocation,
  type NewAccount,
  type NewCampaign,
  type NewCanvass,
  type NewCommunity,
  type NewMentorship,
  type NewPointAdjustment,
  type NewReminder,
} from '@/domain'
import { db } from '@/app/db/database'
import { readSession, type StoredSession } from '@/app/sync/session'
import { CanvassDetailSchema, CanvassSummarySchema } from './canvasses/schemas'

/*
 * The workspace's client for the set-up routes (src/domain/accounts.ts, roster.ts). Unlike sync, these are
 * online only: accounts, passwords and rosters are the server's to check, so a failure is shown at once and
 * nothing is queued. It speaks with the device token of the stored session; every answer is checked against
 * the domain schema before a screen reads it.
 */

type ApiErrorCode = ApiError['error']

/** Why a call failed: the server's code, or what happened before an answer came. */
export type OfficeApiFailure = ApiErrorCode | 'offline' | 'signed_out' | 'bad_response'

/** The file name of a download: the server's (`filename*=UTF-8''…`, in Chinese), else the path's last part. */
export function savedName(disposition: string | null, path: string): string {
  const encoded = disposition?.match(/filename\*=UTF-8''([^;]+)/i)?.[1]
  return encoded ? decodeURIComponent(encoded) : path.split('?')[0]!.split('/').pop()!
}

export class OfficeApiError extends Error {
  constructor(
    readonly code: OfficeApiFailure,
    message: string,
    /** A refused import's preview: the problems to show. */
    readonly preview?: RosterPreview,
  ) {
    super(message)
    this.name = 'OfficeApiError'
  }
}

const TIMEOUT_MS = 30_000
const SPREADSHEET = 'application/octet-stream'

const RefusedImport = ApiError.extend({ preview: RosterPreview })

export interface OfficeApiOptions {
  /** The session to speak for; the stored one by default. Tests pass their own, with a fetch double. */
  session?: () => Promise<Pick<StoredSession, 'serverUrl' | 'token'> | null>
  fetch?: typeof fetch
}

export function createOfficeApi(options: OfficeApiOptions = {}) {
  const session = options.session ?? (() => readSession(db))
  const fetchImpl = options.fetch ?? ((input, init) => globalThis.fetch(input, init))

  /** A body of bytes is a spreadsheet unless it says its type; `headers` go along with it. */
  type Bytes = { bytes: ArrayBuffer; type?: string; headers?: Record<string, string> }

  async function call(method: string, path: string, body?: { json: unknown } | Bytes): Promise<Response> {
    const current = await session()
    if (!current) throw new OfficeApiError('signed_out', 'no session on this device')
    const headers: Record<string, string> = { authorization: `Bearer ${current.token}` }
    if (body && 'json' in body) headers['content-type'] = 'application/json'
    if (body && 'bytes' in body) Object.assign(headers, { 'content-type': body.type ?? SPREADSHEET }, body.headers)
    let response: Response
    try {
      response = await fetchImpl(`${current.serverUrl.replace(/\/+$/, '')}/api/v1${path}`, {
        method,
        headers,
        body: body ? ('json' in body ? JSON.stringify(body.json) : body.bytes) : undefined,
        cache: 'no-store',
        credentials: 'omit',
        signal: AbortSignal.timeout(TIMEOUT_MS),
      })
    } catch (error) {
      throw new OfficeApiError('offline', `${method} ${path}: ${error instanceof Error ? error.message : String(error)}`)
    }
    if (!response.ok) throw await refusal(response, `${method} ${path}`)
    return response
  }

  /** The answer to a call, checked against the contract. */
  async function answer<T>(schema: z.ZodType<T>, method: string, path: string, body?: { json: unknown } | Bytes): Promise<T> {
    const response = await call(method, path, body)
    const parsed = schema.safeParse(await response.json().catch(() => undefined))
    if (!parsed.success) throw new OfficeApiError('bad_response', `${method} ${path}: the answer does not match the contract`)
    return parsed.data
  }

  const json = <T>(schema: z.ZodType<T>, method: string, path: string, body?: unknown): Promise<T> =>
    answer(schema, method, path, body === undefined ? undefined : { json: body })

  const roster = (step: 'preview' | 'import', communityId: string, bytes: ArrayBuffer): Promise<RosterPreview> =>
    answer(RosterPreview, 'POST', `/communities/${encodeURIComponent(communityId)}/roster/${step}`, { bytes })

  const id = encodeURIComponent
  return {
    communities: () => json(z.array(CommunitySummary), 'GET', '/communities'),
    createCommunity: (community: NewCommunity) => json(Community, 'POST', '/communities', community),
    buildings: (communityId: string) => json(z.array(BuildingSummary), 'GET', `/communities/${id(communityId)}/buildings`),
    accounts: (communityId: string) => json(z.array(Account), 'GET', `/communities/${id(communityId)}/accounts`),
    createAccount: (communityId: string, account: NewAccount) => json(IssuedPassword, 'POST', `/communities/${id(communityId)}/accounts`, account),
    changeAccount: (userId: string, change: AccountChange) => json(Account, 'PATCH', `/accounts/${id(userId)}`, change),
    resetPassword: (userId: string) => json(IssuedPassword, 'POST', `/accounts/${id(userId)}/password`),
    assignBuildings: (userId: string, assignment: BuildingAssignment) => json(Account, 'PUT', `/accounts/${id(userId)}/buildings`, assignment),
    devices: (userId: string) => json(z.array(DeviceInfo), 'GET', `/users/${id(userId)}/devices`),
    communityDevices: (communityId: string) => json(z.array(DeviceStanding), 'GET', `/communities/${id(communityId)}/devices`),
    revokeDevice: async (userId: string, deviceId: string, mode: DeviceRevocation) =>
      void (await call('DELETE', `/users/${id(userId)}/devices/${id(deviceId)}?mode=${mode}`)),
    previewRoster: (communityId: string, bytes: ArrayBuffer) => roster('preview', communityId, bytes),
    importRoster: (communityId: string, bytes: ArrayBuffer) => roster('import', communityId, bytes),
    coverage: (communityId: string, month: string) => json(Coverage, 'GET', `/communities/${id(communityId)}/coverage?month=${id(month)}`),
    coverageHouseholds: (communityId: string, month: string, scope: { buildingId: string } | { leaderId: string }) =>
      json(z.array(CoverageHousehold), 'GET', `/communities/${id(communityId)}/coverage/households?month=${id(month)}&${new URLSearchParams(scope).toString()}`),
    changeSettings: (communityId: string, change: CommunitySettingsChange) => json(CommunitySettings, 'PATCH', `/communities/${id(communityId)}/settings`, change),
    report: (communityId: string, month: string) => json(MonthlyReport, 'GET', `/communities/${id(communityId)}/report?month=${id(month)}`),
    /** A file behind the token (the roster, the report, an export), with the name the server gives it. */
    download: async (path: string) => {
      const response = await call('GET', path)
      return { file: await response.blob(), name: savedName(response.headers.get('content-disposition'), path) }
    },
    // ── Inspection campaigns (src/domain/campaigns.ts) ──
    campaigns: (communityId: string) => json(z.array(CampaignSummary), 'GET', `/communities/${id(communityId)}/campaigns`),
    launchCampaign: (communityId: string, campaign: NewCampaign) => json(Campaign, 'POST', `/communities/${id(communityId)}/campaigns`, campaign),
    campaign: (campaignId: string) => json(CampaignProgress, 'GET', `/campaigns/${id(campaignId)}`),
    remindCampaign: (campaignId: string, reminder: NewReminder) => json(Campaign, 'POST', `/campaigns/${id(campaignId)}/reminders`, reminder),
    closeCampaign: (campaignId: string) => json(CampaignProgress, 'POST', `/campaigns/${id(campaignId)}/close`),
    // ── Volunteer points (src/domain/points.ts) ──
    points: (communityId: string, month: string) => json(PointsMonth, 'GET', `/communities/${id(communityId)}/points?month=${id(month)}`),
    adjustPoints: (communityId: string, adjustment: NewPointAdjustment) => json(PointAdjustment, 'POST', `/communities/${id(communityId)}/points/adjustments`, adjustment),
    // ── Rescue files (src/domain/rescue.ts) ──
    importRescue: (communityId: string, bytes: ArrayBuffer, password: string) =>
      answer(RescueResult, 'POST', `/communities/${id(communityId)}/rescue`, {
        bytes,
        type: RESCUE_TYPE,
        headers: { [RESCUE_PASSWORD_HEADER]: encodeURIComponent(password) },
      }),
    // ── Audit (src/domain/audit.ts): admins only ──
    audit: (filters: Record<string, string>) => json(AuditPage, 'GET', `/audit?${new URLSearchParams(filters).toString()}`),
    // ── Consent canvasses (src/domain/canvass.ts) ──
    canvasses: (communityId: string) => json(z.array(CanvassSummarySchema), 'GET', `/communities/${id(communityId)}/canvasses`),
    openCanvass: (communityId: string, canvass: NewCanvass) => json(Canvass, 'POST', `/communities/${id(communityId)}/canvasses`, canvass),
    canvass: (canvassId: string) => json(CanvassDetailSchema, 'GET', `/canvasses/${id(canvassId)}`),
    closeCanvass: (canvassId: string) => json(Canvass, 'POST', `/canvasses/${id(canvassId)}/close`),
    // ── 老带新 (src/domain/mentorship.ts) ──
    mentorships: (communityId: string) => json(z.array(MentorshipRow), 'GET', `/communities/${id(communityId)}/mentorships`),
    pair: (communityId: string, pairing: NewMentorship) => json(Mentorship, 'POST', `/communities/${id(communityId)}/mentorships`, pairing),
    endMentorship: (mentorshipId: string) => json(Mentorship, 'POST', `/mentorships/${id(mentorshipId)}/end`),
  }
}
export type OfficeApi = ReturnType<typeof createOfficeApi>

let current: OfficeApi | undefined

/** The client the screens use: over the stored session, unless a test has set its own. */
export function useOfficeApi(): OfficeApi {
  return (current ??= createOfficeApi())
}

/** For tests: a client over a fetch double (undefined: back to the stored session's). */
export function setOfficeApi(api: OfficeApi | undefined): void {
  current = api
}

async function refusal(response: Response, what: string): Promise<OfficeApiError> {
  const body: unknown = await response.json().catch(() => null)
  const refused = RefusedImport.safeParse(body)
  if (refused.success) return new OfficeApiError(refused.data.error, refused.data.message, refused.data.preview)
  const error = ApiError.safeParse(body)
  if (error.success) return new OfficeApiError(error.data.error, error.data.message)
  // A proxy's page, or a server too old to have the route: said by the status alone.
  const code: ApiErrorCode = response.status === 401 ? 'unauthorized' : response.status === 403 ? 'forbidden' : response.status === 404 ? 'not_found' : response.status >= 500 ? 'internal' : 'bad_request'
  return new OfficeApiError(code, `${what}: HTTP ${response.status}`)
}

/** The i18n key of the words for a failure (office.api.*). */
export function failureKey(error: unknown): `office.api.${OfficeApiFailure}` {
  return `office.api.${error instanceof OfficeApiError ? error.code : 'internal'}`
}
