/**
 * The HTTP server (fastify): JSON parsing that refuses invalid UTF-8 and lone surrogates,
 * OpenAI-style errors for every failure, API-key authentication with tenants, and the routes:
 * the playground (`GET /`), `/health`, `/metrics`, `/v1/models`, the completion routes and the
 * profile routes.
 * @module
 */
import { isUtf8 } from 'node:buffer';

import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';

import type { Model } from '../model.js';
import { ApiError, badRequest, notFound, unprocessable } from './api-error.js';
import type { KeyRing } from './api-keys.js';
import type { CompletionLimits } from './completion-request.js';
import { registerCompletionRoutes } from './completion-routes.js';
import { GenerationQueue } from './generation-queue.js';
import { ID_PATTERN } from './ids.js';
import { ServerMetrics } from './metrics.js';
import { PLAYGROUND_HTML } from './playground.js';
import { setPrincipal } from './principal.js';
import { registerProfileRoutes } from './profile-routes.js';
import type { Profiles } from './profiles.js';

/** Everything a server serves. */
export interface ServerConfig {
  model: Model;
  /** The name clients put in `model` (GET /v1/models lists it). */
  modelId: string;
  profiles: Profiles;
  keys: KeyRing;
  /** Most generations at once (the batch engine's sequences). */
  parallel: number;
  limits: CompletionLimits;
  /** Largest request body, in bytes. */
  bodyLimit: number;
  /** Log requests (pino, to stderr). Default false. */
  log?: boolean;
  /**
   * Streamed completions' text events written by the engine itself, from its own thread,
   * straight to the connection where it can (Linux and macOS; see SseStream.engineSocket).
   * Default true; false: the JavaScript thread writes every event.
   */
  engineStreams?: boolean;
}

/** A built server: the fastify instance, the profiles, and what /metrics reads. */
export interface PersonaServer {
  app: FastifyInstance;
  profiles: Profiles;
  queue: GenerationQueue;
  metrics: ServerMetrics;
}

/** A UTF-16 surrogate without its pair: text that is not valid Unicode (it has no UTF-8 form). */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Where in the body the first string with a lone surrogate is (e.g. `messages[0].content`), or null. */
export function findIllFormedString(value: unknown): string | null {
  const stack: [unknown, string][] = [[value, '']];
  while (stack.length > 0) {
    const [v, at] = stack.pop()!;
    if (typeof v === 'string') {
      if (LONE_SURROGATE.test(v)) return at || 'body';
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push([v[i], `${at}[${i}]`]);
    } else if (v !== null && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if (LONE_SURROGATE.test(k)) return at || 'body';
        stack.push([x, at ? `${at}.${k}` : k]);
      }
    }
  }
  return null;
}

/** A request field named the way the API names it: `/messages/0/role` -> `messages[0].role`. */
function paramOf(instancePath: string, missing?: string): string | null {
  const parts = instancePath.split('/').filter(Boolean);
  if (missing) parts.push(missing);
  if (parts.length === 0) return null;
  return parts.map((p, i) => (/^\d+$/.test(p) ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

function toApiError(err: FastifyError, bodyLimit: number): ApiError {
  if (err instanceof ApiError) return err;
  if (err.validation && err.validation.length > 0) {
    const v = err.validation[0]!;
    const missing = v.keyword === 'required' ? String((v.params as { missingProperty?: string }).missingProperty) : undefined;
    const param = paramOf(v.instancePath, missing) ?? (err.validationContext === 'params' ? 'id' : null);
    let message = v.message ?? 'is not valid';
    if (v.keyword === 'pattern' && (v.params as { pattern?: string }).pattern === ID_PATTERN) {
      message = 'must be 1 to 128 characters of letters, digits and . _ : @ + - (not starting with a dot)';
    }
    if (missing) message = 'is required';
    return unprocessable(param, `${param ?? err.validationContext ?? 'the request'}: ${message}`, v.keyword === 'type' ? 'invalid_type' : 'invalid_value');
  }
  if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    return new ApiError(413, 'request_too_large', `the request body is larger than this server's limit of ${bodyLimit} bytes`, null, 'request_too_large');
  }
  const status = err.statusCode ?? 500;
  if (status >= 400 && status < 500) return new ApiError(status, 'invalid_request_error', err.message, null, err.code?.toLowerCase() ?? null);
  if (status === 503) return new ApiError(503, 'unavailable_error', 'the server is shutting down', null, 'shutting_down');
  return new ApiError(500, 'server_error', 'internal server error', null, 'internal_error');
}

/** Builds the server (not listening yet: call `app.listen`). */
export async function buildServer(cfg: ServerConfig): Promise<PersonaServer> {
  const app = Fastify({
    logger: cfg.log ? { level: 'info' } : false,
    bodyLimit: cfg.bodyLimit,
    routerOptions: { maxParamLength: 16 * 1024 },
    return503OnClosing: true,
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, useDefaults: false, allErrors: false } },
  });
  const queue = new GenerationQueue(cfg.parallel);
  const metrics = new ServerMetrics(queue);
  addJsonParser(app);
  addErrorHandlers(app, cfg.bodyLimit);
  addRequestHooks(app, cfg.keys, metrics);
  registerInfoRoutes(app, cfg, queue, metrics);
  const kinds = cfg.model.tokenKinds();
  const controlTexts = cfg.model.tokenPieces().filter((piece, i) => kinds[i] === 'control' && piece.length > 0);
  registerCompletionRoutes(app, {
    plan: { model: cfg.model, modelId: cfg.modelId, space: cfg.profiles.space.name, limits: cfg.limits, controlTexts },
    profiles: cfg.profiles,
    queue,
    metrics,
    engineStreams: cfg.engineStreams ?? true,
  });
  registerProfileRoutes(app, cfg.profiles);
  await app.ready();
  return { app, profiles: cfg.profiles, queue, metrics };
}

/** JSON bodies only (any other is a 415), refused when not UTF-8, not JSON, or holding a lone surrogate. */
function addJsonParser(app: FastifyInstance): void {
  const defaultJson = app.getDefaultJsonParser('error', 'error');
  app.removeAllContentTypeParsers(); // JSON only: any other body is a 415
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (req, body, done) => {
    const buf = body as Buffer;
    if (!isUtf8(buf)) {
      done(badRequest('the request body is not valid UTF-8', 'invalid_utf8'), undefined);
      return;
    }
    defaultJson(req, buf.toString('utf8'), (err, value) => {
      if (err) {
        done(badRequest(`the request body is not valid JSON: ${err.message}`, 'invalid_json'), undefined);
        return;
      }
      const bad = findIllFormedString(value);
      if (bad) done(unprocessable(bad, `${bad} holds a lone UTF-16 surrogate: not valid Unicode text`, 'invalid_unicode'), undefined);
      else done(null, value);
    });
  });
}

/** Every failure, unknown routes included, answered as an OpenAI-style error. */
function addErrorHandlers(app: FastifyInstance, bodyLimit: number): void {
  app.setErrorHandler((err: FastifyError, req, reply) => {
    const api = toApiError(err, bodyLimit);
    if (api.status >= 500) req.log.error(err);
    void reply.code(api.status).send(api.body());
  });
  app.setNotFoundHandler((req, reply) => {
    const api = notFound(`no route ${req.method} ${req.url.split('?')[0]}`, 'unknown_route');
    void reply.code(404).send(api.body());
  });
}

/** API-key authentication of /v1/ and /metrics (which needs an admin key), and the request counts. */
function addRequestHooks(app: FastifyInstance, keys: KeyRing, metrics: ServerMetrics): void {
  app.addHook('onRequest', async (req) => {
    const path = req.url.split('?')[0]!;
    if (!path.startsWith('/v1/') && path !== '/metrics') return;
    const p = keys.authenticate(req.headers.authorization);
    if (path === '/metrics' && !p.admin) {
      throw new ApiError(403, 'permission_error', 'reading /metrics needs an admin key', null, 'admin_key_required');
    }
    setPrincipal(req, p);
  });
  app.addHook('onResponse', async (req, reply) => {
    metrics.request(req.routeOptions.url ?? 'unmatched', reply.statusCode);
  });
}

/** The playground, /health, /metrics and /v1/models. */
function registerInfoRoutes(app: FastifyInstance, cfg: ServerConfig, queue: GenerationQueue, metrics: ServerMetrics): void {
  app.get('/', async (_req, reply) => {
    void reply
      .header('content-type', 'text/html; charset=utf-8')
      .header('content-security-policy', "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src data:")
      .header('x-content-type-options', 'nosniff');
    return PLAYGROUND_HTML;
  });
  app.get('/health', async () => ({ status: 'ok', model: cfg.modelId, waiting: queue.waiting, running: queue.running }));
  app.get('/metrics', async (_req, reply) => {
    void reply.header('content-type', metrics.contentType);
    return metrics.text();
  });
  const created = Math.floor(Date.now() / 1000);
  const modelObject = { id: cfg.modelId, object: 'model', created, owned_by: 'persona-gen' };
  app.get('/v1/models', async () => ({ object: 'list', data: [modelObject] }));
  app.get<{ Params: { id: string } }>('/v1/models/:id', async (req) => {
    if (req.params.id !== cfg.modelId) throw notFound(`the model '${req.params.id}' does not exist`, 'model_not_found', 'model');
    return modelObject;
  });
}
