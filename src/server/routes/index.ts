import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { authenticate } from '../auth/authenticate'
import type { ServerContext } from '../context'
import { accountRoutes } from './accounts'
import { attachmentListRoutes, attachmentRoutes } from './attachments'
import { auditRoutes } from './audit'
import { loginRoutes, logoutRoutes } from './auth'
import { campaignRoutes } from './campaigns'
import { canvassRoutes } from './canvasses'
import { canvassLinkRoutes } from './canvass-links'
import { communityRoutes } from './communities'
import { deviceHealthRoutes } from './device-health'
import { deviceRoutes } from './devices'
import { fieldRoutes } from './field'
import { mentorshipRoutes } from './mentorships'
import { exportRoutes, reportFileRoutes } from './exports'
import { healthRoutes } from './health'
import { openapiRoutes } from './openapi'
import { pointsRoutes } from './points'
import { rosterRoutes } from './roster'
import { rescueRoutes } from './rescue'
import { syncRoutes } from './sync'

/** Every route of /api/v1: health, sign-in and the OpenAPI document are public; everything else needs a device token. */
export const apiRoutes: FastifyPluginAsyncZod<{ ctx: ServerContext }> = async (app, { ctx }) => {
  await app.register(healthRoutes)
  await app.register(openapiRoutes)
  await app.register(loginRoutes, { ctx })
  await app.register(canvassLinkRoutes, { ctx })
  await app.register(async (secured) => {
    // onRequest runs before the body is read: an unauthenticated 1 MiB push is refused without reading it.
    secured.addHook('onRequest', authenticate(ctx))
    await secured.register(logoutRoutes, { ctx })
    await secured.register(deviceRoutes, { ctx })
    await secured.register(communityRoutes, { ctx })
    await secured.register(accountRoutes, { ctx })
    await secured.register(syncRoutes, { ctx })
    await secured.register(attachmentRoutes, { ctx })
    await secured.register(attachmentListRoutes, { ctx })
    await secured.register(rosterRoutes, { ctx })
    await secured.register(fieldRoutes, { ctx })
    await secured.register(deviceHealthRoutes, { ctx })
    await secured.register(campaignRoutes, { ctx })
    await secured.register(exportRoutes, { ctx })
    await secured.register(reportFileRoutes, { ctx })
    await secured.register(rescueRoutes, { ctx })
    await secured.register(auditRoutes, { ctx })
    await secured.register(canvassRoutes, { ctx })
    await secured.register(pointsRoutes, { ctx })
    await secured.register(mentorshipRoutes, { ctx })
  })
}
