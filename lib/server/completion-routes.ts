/**
 * POST /v1/completions and /v1/chat/completions: OpenAI's shapes, JSON or server-sent events
 * (`stream: true`, ending with `data: [DONE]`), with the `user` field selecting a stored
 * profile and the `persona` extension setting the bias. Each request waits in the
 * {@link GenerationQueue} for a slot, then runs on the model's batch engine; a client that goes
 * away aborts its request (queued or running). A stream's text events are written by the engine
 * itself where it can (`engineStreams`, {@link SseStream.engineSocket}), else by this thread.
 * @module
 */
import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

import type { GenerateOptions, GenerationResult, PersonalizationOptions } from '../generation-options.js';
import { ApiError } from './api-error.js';
import {
  type ChatBody,
  type CompletionBody,
  type CompletionPlan,
  type PlanContext,
  finishReason,
  planChat,
  planCompletion,
} from './completion-request.js';
import type { GenerationQueue } from './generation-queue.js';
import type { ServerMetrics } from './metrics.js';
import type { Profiles } from './profiles.js';
import { chatBodySchema, completionBodySchema } from './request-schemas.js';
import { principalOf } from './principal.js';
import { SseStream } from './sse-stream.js';

/** What the completion routes use. */
export interface CompletionDeps {
  plan: PlanContext;
  profiles: Profiles;
  queue: GenerationQueue;
  metrics: ServerMetrics;
  /** Let the engine write streamed text events itself where it can. */
  engineStreams: boolean;
}

/** How the personalization of a request turned out: the `persona` field of every answer. */
export interface PersonaOutcome {
  applied: boolean;
  beta: number;
  space: string;
  user: string | null;
  /** Why no bias was applied. */
  reason?: 'no user' | 'beta is 0' | 'no profile';
}

type Kind = 'text' | 'chat';

/** Stands for the text in a chunk's JSON when the engine is given the JSON around it. */
const TEXT_MARK = '\u0000persona-gen:text\u0000';

async function personalize(deps: CompletionDeps, tenant: string, plan: CompletionPlan): Promise<{ personalization?: PersonalizationOptions; outcome: PersonaOutcome }> {
  const base = { beta: plan.persona.beta, space: deps.profiles.space.name, user: plan.user ?? null };
  if (plan.user === undefined) return { outcome: { ...base, applied: false, reason: 'no user' } };
  if (plan.persona.beta === 0) return { outcome: { ...base, applied: false, reason: 'beta is 0' } };
  const user = await deps.profiles.vector(tenant, plan.user);
  if (!user) return { outcome: { ...base, applied: false, reason: 'no profile' } };
  return {
    personalization: { matrix: deps.profiles.space.matrix, user, beta: plan.persona.beta, guardTopK: plan.persona.guardTopK, guardMinP: plan.persona.guardMinP },
    outcome: { ...base, applied: true },
  };
}

function usage(plan: CompletionPlan, r: GenerationResult) {
  return { prompt_tokens: plan.tokens.length, completion_tokens: r.tokens.length, total_tokens: plan.tokens.length + r.tokens.length };
}

/** Aborts when the client goes away before the answer is complete. */
function abortOnClose(res: ServerResponse): AbortController {
  const ac = new AbortController();
  res.on('close', () => {
    if (!res.writableFinished) ac.abort(new Error('the client closed the connection'));
  });
  return ac;
}

class Answer {
  readonly id: string;
  readonly created = Math.floor(Date.now() / 1000);
  constructor(
    readonly kind: Kind,
    readonly model: string,
  ) {
    this.id = `${kind === 'chat' ? 'chatcmpl' : 'cmpl'}-${randomUUID()}`;
  }

  whole(plan: CompletionPlan, r: GenerationResult, persona: PersonaOutcome) {
    const finish_reason = finishReason(r.stopReason);
    const choice =
      this.kind === 'chat'
        ? { index: 0, message: { role: 'assistant', content: r.text, refusal: null }, logprobs: null, finish_reason }
        : { index: 0, text: r.text, logprobs: null, finish_reason };
    return { id: this.id, object: this.kind === 'chat' ? 'chat.completion' : 'text_completion', created: this.created, model: this.model, choices: [choice], usage: usage(plan, r), persona };
  }

  chunk(text: string | null, finish: 'stop' | 'length' | null, extra: Record<string, unknown> = {}) {
    const choice =
      this.kind === 'chat'
        ? { index: 0, delta: text === null ? {} : { content: text }, logprobs: null, finish_reason: finish }
        : { index: 0, text: text ?? '', logprobs: null, finish_reason: finish };
    return { id: this.id, object: this.kind === 'chat' ? 'chat.completion.chunk' : 'text_completion', created: this.created, model: this.model, choices: [choice], ...extra };
  }

  /**
   * A text chunk's JSON before and after its text (`text`, or the chat delta's `content`), for
   * the engine to write text events itself; undefined if the mark is not found exactly once.
   */
  textTemplate(): { before: string; after: string } | undefined {
    const parts = JSON.stringify(this.chunk(TEXT_MARK, null)).split(JSON.stringify(TEXT_MARK));
    return parts.length === 2 ? { before: parts[0]!, after: parts[1]! } : undefined;
  }

  /** The first chunk of a chat stream: the assistant's role, no text yet. */
  roleChunk() {
    return { id: this.id, object: 'chat.completion.chunk', created: this.created, model: this.model, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }] };
  }

  usageChunk(plan: CompletionPlan, r: GenerationResult) {
    return { id: this.id, object: this.kind === 'chat' ? 'chat.completion.chunk' : 'text_completion', created: this.created, model: this.model, choices: [], usage: usage(plan, r) };
  }
}

/** Generates when the request gets a slot; `output` (asked then) says how its text is streamed. */
async function run(deps: CompletionDeps, plan: CompletionPlan, options: GenerateOptions, signal: AbortSignal, output: () => GenerateOptions = () => ({})): Promise<GenerationResult> {
  return deps.queue.run(() => deps.plan.model.generate(plan.tokens, { ...options, ...output(), signal, stopOnAbortSignal: true }), signal);
}

/**
 * A streamed generation: its text events written by the engine, straight to the connection,
 * where {@link SseStream.engineSocket} allows it (asked when the request gets its slot, after
 * everything before was written), else by this thread from the engine's callback (no async
 * iterator in between: one wake-up of this thread per token). Counts the stream by writer, and
 * its time to first token from `started`.
 */
async function runStreamed(deps: CompletionDeps, plan: CompletionPlan, options: GenerateOptions, signal: AbortSignal, sse: SseStream, answer: Answer, started: number): Promise<GenerationResult> {
  let submitted = 0;
  let writer: 'engine' | 'server' = 'server';
  const r = await run(deps, plan, options, signal, () => {
    const template = deps.engineStreams ? answer.textTemplate() : undefined;
    const eventSocket = template && sse.engineSocket(template.before, template.after);
    writer = eventSocket ? 'engine' : 'server';
    submitted = performance.now();
    return eventSocket ? { eventSocket } : { onText: (text) => sse.send(answer.chunk(text, null)) };
  });
  deps.metrics.stream(writer);
  if (r.timings.firstTextMs !== undefined) deps.metrics.firstToken((submitted - started + r.timings.firstTextMs) / 1000);
  return r;
}

async function handle(deps: CompletionDeps, kind: Kind, req: FastifyRequest, reply: FastifyReply): Promise<unknown> {
  const started = performance.now();
  const tenant = principalOf(req).tenant;
  const plan = kind === 'chat' ? planChat(req.body as ChatBody, deps.plan) : planCompletion(req.body as CompletionBody, deps.plan);
  const { personalization, outcome } = await personalize(deps, tenant, plan);
  const options: GenerateOptions = { ...plan.options, personalization };
  const answer = new Answer(kind, deps.plan.modelId);
  const ac = abortOnClose(reply.raw);
  const done = (r: GenerationResult) => deps.metrics.generation(plan.tokens.length, r.tokens.length, outcome.applied);
  if (!plan.stream) {
    const r = await run(deps, plan, options, ac.signal);
    done(r);
    return answer.whole(plan, r, outcome);
  }
  reply.hijack();
  const sse = new SseStream(reply.raw);
  sse.open(); // the client sees 200 now, even while the request waits for a slot
  let status = 200;
  try {
    if (kind === 'chat') sse.send(answer.roleChunk());
    const r = await runStreamed(deps, plan, options, ac.signal, sse, answer, started);
    done(r);
    sse.send(answer.chunk(null, finishReason(r.stopReason), { persona: outcome }));
    if (plan.includeUsage) sse.send(answer.usageChunk(plan, r));
  } catch (err) {
    status = err instanceof ApiError ? err.status : 500;
    if (!ac.signal.aborted) {
      req.log.error(err);
      const e = err instanceof ApiError ? err : new ApiError(500, 'server_error', `the generation failed: ${(err as Error).message}`);
      sse.send(e.body());
    }
  } finally {
    sse.close('[DONE]');
    deps.metrics.request(req.routeOptions.url ?? req.url, ac.signal.aborted ? 499 : status);
  }
  return reply;
}

/** Registers the two completion routes. */
export function registerCompletionRoutes(app: FastifyInstance, deps: CompletionDeps): void {
  app.post('/v1/completions', { schema: { body: completionBodySchema } }, (req, reply) => handle(deps, 'text', req, reply));
  app.post('/v1/chat/completions', { schema: { body: chatBodySchema } }, (req, reply) => handle(deps, 'chat', req, reply));
}
