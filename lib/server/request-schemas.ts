/**
 * JSON schemas of the request bodies (validated by fastify's Ajv, with type coercion off, so
 * `"max_tokens": "5"` is a 422, not a 5). Unknown fields are allowed and ignored, as OpenAI
 * clients send fields this server does not use; fields it cannot honour are refused in
 * completion-request.ts with a message that names them.
 * @module
 */
import { ID_PATTERN } from './ids.js';

const nullable = (type: string, extra: Record<string, unknown> = {}) => ({ type: [type, 'null'], ...extra });
const text = { type: 'string', minLength: 1 };
const tokenIds = { type: 'array', minItems: 1, items: { type: 'integer' } };

/** The `persona` extension object: how to personalize. */
export const personaSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    beta: { type: 'number', minimum: -1e6, maximum: 1e6 },
    guardTopK: { type: 'integer', minimum: 0 },
    guardMinP: { type: 'number', minimum: 0, maximum: 1 },
    space: { type: 'string', enum: ['sbert', 'native'] },
  },
} as const;

const sampling = {
  model: { type: 'string', minLength: 1, maxLength: 256 },
  max_tokens: nullable('integer', { minimum: 1 }),
  temperature: nullable('number', { minimum: 0, maximum: 2 }),
  top_p: nullable('number', { minimum: 0, maximum: 1 }),
  top_k: { type: 'integer', minimum: 0 },
  min_p: { type: 'number', minimum: 0, maximum: 1 },
  repeat_penalty: { type: 'number', minimum: 0.01, maximum: 100 },
  n: nullable('integer', { minimum: 1 }),
  stream: nullable('boolean'),
  stream_options: { type: ['object', 'null'], properties: { include_usage: { type: 'boolean' } } },
  stop: { anyOf: [{ type: 'null' }, { type: 'string', minLength: 1, maxLength: 512 }, { type: 'array', maxItems: 4, items: { type: 'string', minLength: 1, maxLength: 512 } }] },
  seed: nullable('integer'),
  user: { type: 'string', pattern: ID_PATTERN },
  presence_penalty: nullable('number'),
  frequency_penalty: nullable('number'),
  logit_bias: { type: ['object', 'null'] },
  persona: personaSchema,
};

/** POST /v1/completions. */
export const completionBodySchema = {
  type: 'object',
  required: ['model', 'prompt'],
  properties: {
    ...sampling,
    prompt: { anyOf: [text, { type: 'array', minItems: 1, items: text }, tokenIds, { type: 'array', minItems: 1, items: tokenIds }] },
    echo: nullable('boolean'),
    logprobs: nullable('integer'),
    best_of: nullable('integer'),
    suffix: nullable('string'),
  },
} as const;

const contentPart = {
  type: 'object',
  required: ['type', 'text'],
  properties: { type: { const: 'text' }, text: { type: 'string' } },
};

/** POST /v1/chat/completions. */
export const chatBodySchema = {
  type: 'object',
  required: ['model', 'messages'],
  properties: {
    ...sampling,
    max_completion_tokens: nullable('integer', { minimum: 1 }),
    messages: {
      type: 'array',
      minItems: 1,
      maxItems: 1024,
      items: {
        type: 'object',
        required: ['role', 'content'],
        properties: {
          role: { type: 'string', enum: ['system', 'developer', 'user', 'assistant'] },
          content: { anyOf: [{ type: 'string' }, { type: 'array', items: contentPart }] },
          name: { type: 'string' },
        },
      },
    },
    logprobs: nullable('boolean'),
    tools: { type: ['array', 'null'] },
  },
} as const;

/** The `{id}` of /v1/users/{id}/profile. */
export const userParamsSchema = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', pattern: ID_PATTERN } },
} as const;

/** PUT /v1/users/{id}/profile. */
export const profileBodySchema = {
  type: 'object',
  required: ['texts'],
  additionalProperties: false,
  properties: { texts: { type: 'array', items: { type: 'string' } } },
} as const;

/** GET /v1/users/{id}/profile. */
export const profileQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: { top_tokens: { type: 'string', pattern: '^(0|[1-9][0-9]?|100)$' } },
} as const;

/** GET /v1/users. */
export const listQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    limit: { type: 'string', pattern: '^([1-9][0-9]{0,2}|1000)$' },
    after: { type: 'string', pattern: ID_PATTERN },
  },
} as const;
