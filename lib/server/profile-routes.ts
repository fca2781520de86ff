/**
 * User profiles of the caller's tenant: `PUT /v1/users/{id}/profile` (texts; the server embeds
 * them and stores texts and vector), `GET` (metadata and, with `?top_tokens=N`, the tokens the
 * bias favours most; never the texts), `DELETE` (texts, vectors and cached vector gone), and
 * `GET /v1/users` (the tenant's users). Another tenant's user is a 404, as if it did not exist.
 * @module
 */
import type { FastifyInstance } from 'fastify';

import { notFound, unprocessable } from './api-error.js';
import type { ProfileMeta } from './profile-store.js';
import { ProfileInputError, type Profiles } from './profiles.js';
import { principalOf } from './principal.js';
import { listQuerySchema, profileBodySchema, profileQuerySchema, userParamsSchema } from './request-schemas.js';

/** A profile as the API shows it. */
function view(m: ProfileMeta, space: string) {
  return {
    object: 'user_profile',
    id: m.user,
    items: m.items,
    chars: m.chars,
    created_at: m.createdAt,
    updated_at: m.updatedAt,
    vector_spaces: m.spaces,
    space,
  };
}

/** Registers the profile routes. */
export function registerProfileRoutes(app: FastifyInstance, profiles: Profiles): void {
  const spaceName = profiles.space.name;
  const missing = (id: string) => notFound(`no user '${id}' in this tenant`, 'user_not_found', 'id');

  app.put<{ Params: { id: string }; Body: { texts: string[] } }>(
    '/v1/users/:id/profile',
    { schema: { params: userParamsSchema, body: profileBodySchema } },
    async (req, reply) => {
      const { tenant } = principalOf(req);
      try {
        const { created, meta } = await profiles.put(tenant, req.params.id, req.body.texts);
        reply.code(created ? 201 : 200);
        return view(meta, spaceName);
      } catch (err) {
        if (err instanceof ProfileInputError) throw unprocessable(err.param, err.message);
        throw err;
      }
    },
  );

  app.get<{ Params: { id: string }; Querystring: { top_tokens?: string } }>(
    '/v1/users/:id/profile',
    { schema: { params: userParamsSchema, querystring: profileQuerySchema } },
    async (req) => {
      const { tenant } = principalOf(req);
      const meta = profiles.get(tenant, req.params.id);
      if (!meta) throw missing(req.params.id);
      const k = Number(req.query.top_tokens ?? 0);
      if (k === 0) return view(meta, spaceName);
      const vector = await profiles.vector(tenant, req.params.id);
      if (!vector) throw missing(req.params.id);
      return { ...view(meta, spaceName), favoured_tokens: profiles.space.favouredTokens(vector, k) };
    },
  );

  app.delete<{ Params: { id: string } }>('/v1/users/:id/profile', { schema: { params: userParamsSchema } }, async (req) => {
    const { tenant } = principalOf(req);
    if (!profiles.delete(tenant, req.params.id)) throw missing(req.params.id);
    return { object: 'user_profile.deleted', id: req.params.id, deleted: true };
  });

  app.get<{ Querystring: { limit?: string; after?: string } }>('/v1/users', { schema: { querystring: listQuerySchema } }, async (req) => {
    const { tenant } = principalOf(req);
    const limit = Number(req.query.limit ?? 100);
    const data = profiles.list(tenant, limit + 1, req.query.after).map((m) => view(m, spaceName));
    return { object: 'list', data: data.slice(0, limit), has_more: data.length > limit };
  });
}
