import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { PROTOCOL_VERSION } from '@/domain'

const Health = z.object({ status: z.literal('ok'), protocol: z.literal(PROTOCOL_VERSION) })

/** `GET /health`: the server answers and speaks this protocol version. No token needed. */
export const healthRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get('/health', { schema: { tags: ['health'], security: [], response: { 200: Health } } }, async () => ({ status: 'ok', protocol: PROTOCOL_VERSION }) as const)
}
