/**
 * The caller of a request (tenant, admin), set by the authentication hook of app.ts before any
 * route runs.
 * @module
 */
import type { FastifyRequest } from 'fastify';

import { ApiError } from './api-error.js';
import type { Principal } from './api-keys.js';

const principals = new WeakMap<FastifyRequest, Principal>();

/** Records who a request is. */
export function setPrincipal(req: FastifyRequest, p: Principal): void {
  principals.set(req, p);
}

/**
 * Who a request is.
 * @throws ApiError 401 when no authentication ran for it (a route outside the hook's reach)
 */
export function principalOf(req: FastifyRequest): Principal {
  const p = principals.get(req);
  if (!p) throw new ApiError(401, 'authentication_error', 'this route needs an API key', null, 'missing_api_key');
  return p;
}
