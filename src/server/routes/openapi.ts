import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'

/** `GET /openapi.json`: the OpenAPI 3.1 document, generated from the same zod schemas that validate requests. */
export const openapiRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger())
}
