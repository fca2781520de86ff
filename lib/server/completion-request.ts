/**
 * Turns a schema-checked OpenAI request body into what the model runs: the prompt's tokens,
 * the generation options and the personalization asked for, enforcing the server's limits
 * (prompt tokens, max_tokens, the context) and refusing, by name, fields it cannot honour.
 * @module
 */
import type { GenerateOptions } from '../generation-options.js';
import type { ChatMessage, Model } from '../model.js';
import { notFound, unprocessable } from './api-error.js';
import type { SpaceName } from './profile-space.js';

/** The server's limits and defaults for completions. */
export interface CompletionLimits {
  /** Most prompt tokens. */
  maxPromptTokens: number;
  /** Most `max_tokens` a request may ask for. */
  maxTokens: number;
  /** `max_tokens` when a request gives none (cut to what the context leaves). */
  defaultMaxTokens: number;
  /** `persona.beta` when a request with a `user` gives none. */
  defaultBeta: number;
}

/** What the plans need to know about the server. */
export interface PlanContext {
  model: Model;
  /** The name requests use (`model` field). */
  modelId: string;
  space: SpaceName;
  limits: CompletionLimits;
  /** Texts of the model's control tokens (refused inside chat messages, see {@link planChat}). */
  controlTexts: readonly string[];
}

/** The personalization a request asks for. */
export interface PersonaRequest {
  beta: number;
  guardTopK?: number;
  guardMinP?: number;
}

/** A request, ready to run. */
export interface CompletionPlan {
  tokens: Int32Array;
  /** Sampler options, maxTokens and stop strings (no personalization or signal yet). */
  options: GenerateOptions;
  stream: boolean;
  includeUsage: boolean;
  /** The stored profile to use, if any. */
  user: string | undefined;
  persona: PersonaRequest;
}

/** Fields common to both endpoints (already checked against request-schemas.ts). */
interface CommonBody {
  model: string;
  max_tokens?: number | null;
  temperature?: number | null;
  top_p?: number | null;
  top_k?: number;
  min_p?: number;
  repeat_penalty?: number;
  n?: number | null;
  stream?: boolean | null;
  stream_options?: { include_usage?: boolean } | null;
  stop?: string | string[] | null;
  seed?: number | null;
  user?: string;
  presence_penalty?: number | null;
  frequency_penalty?: number | null;
  logit_bias?: Record<string, unknown> | null;
  persona?: { beta?: number; guardTopK?: number; guardMinP?: number; space?: SpaceName };
}

/** POST /v1/completions body. */
export interface CompletionBody extends CommonBody {
  prompt: string | string[] | number[] | number[][];
  echo?: boolean | null;
  logprobs?: number | null;
  best_of?: number | null;
  suffix?: string | null;
}

/** POST /v1/chat/completions body. */
export interface ChatBody extends CommonBody {
  max_completion_tokens?: number | null;
  messages: { role: string; content: string | { type: 'text'; text: string }[]; name?: string }[];
  logprobs?: boolean | null;
  tools?: unknown[] | null;
}

const MAX_SEED = 0xfffffffe;

function refuse(cond: boolean, param: string, what: string): void {
  if (cond) throw unprocessable(param, `${param}: ${what} is not supported by this server`, 'unsupported_parameter');
}

function commonOptions(body: CommonBody, ctx: PlanContext, promptTokens: number, maxTokensField: number | null | undefined, maxTokensName: string): Omit<CompletionPlan, 'tokens'> {
  if (body.model !== ctx.modelId) throw notFound(`the model '${body.model}' does not exist; this server serves '${ctx.modelId}'`, 'model_not_found', 'model');
  refuse((body.n ?? 1) !== 1, 'n', 'more than one choice');
  refuse((body.presence_penalty ?? 0) !== 0, 'presence_penalty', 'a non-zero presence_penalty (use repeat_penalty)');
  refuse((body.frequency_penalty ?? 0) !== 0, 'frequency_penalty', 'a non-zero frequency_penalty (use repeat_penalty)');
  refuse(body.logit_bias != null && Object.keys(body.logit_bias).length > 0, 'logit_bias', 'logit_bias (personalize with user and persona instead)');
  if (body.persona?.space !== undefined && body.persona.space !== ctx.space) {
    throw unprocessable('persona.space', `persona.space: this server personalizes in the '${ctx.space}' space, not '${body.persona.space}'`);
  }
  if (body.seed != null && (body.seed < 0 || body.seed > MAX_SEED)) throw unprocessable('seed', `seed must be between 0 and ${MAX_SEED}, got ${body.seed}`);
  const { limits, model } = ctx;
  if (promptTokens > limits.maxPromptTokens) {
    throw unprocessable('prompt', `the prompt has ${promptTokens} tokens; this server allows at most ${limits.maxPromptTokens}`, 'context_length_exceeded');
  }
  const room = model.contextSize - promptTokens;
  if (room < 1) {
    throw unprocessable('prompt', `the prompt has ${promptTokens} tokens, which leaves no room in the context of ${model.contextSize}`, 'context_length_exceeded');
  }
  let maxTokens: number;
  if (maxTokensField == null) maxTokens = Math.min(limits.defaultMaxTokens, room);
  else {
    if (maxTokensField > limits.maxTokens) {
      throw unprocessable(maxTokensName, `${maxTokensName} is ${maxTokensField}; this server allows at most ${limits.maxTokens}`);
    }
    if (maxTokensField > room) {
      throw unprocessable(
        maxTokensName,
        `${promptTokens} prompt tokens + ${maxTokensName} ${maxTokensField} exceed the context of ${model.contextSize} tokens`,
        'context_length_exceeded',
      );
    }
    maxTokens = maxTokensField;
  }
  const stop = body.stop == null ? undefined : typeof body.stop === 'string' ? [body.stop] : body.stop;
  const options: GenerateOptions = {
    maxTokens,
    temperature: body.temperature ?? 1,
    topP: body.top_p ?? 1,
    topK: Math.min(body.top_k ?? 40, model.vocabSize),
    minP: body.min_p ?? 0.05,
    repeatPenalty: body.repeat_penalty,
    seed: body.seed ?? undefined,
    stop: stop && stop.length > 0 ? stop : undefined,
  };
  const p = body.persona ?? {};
  return {
    options,
    stream: body.stream === true,
    includeUsage: body.stream_options?.include_usage === true,
    user: body.user,
    persona: { beta: p.beta ?? limits.defaultBeta, guardTopK: p.guardTopK, guardMinP: p.guardMinP },
  };
}

function checkTokenIds(ids: number[], model: Model, param: string): Int32Array {
  ids.forEach((id, i) => {
    if (id < 0 || id >= model.vocabSize) throw unprocessable(`${param}[${i}]`, `${param}[${i}] = ${id} is not a token id of this model (0 to ${model.vocabSize - 1})`);
  });
  return Int32Array.from(ids);
}

/**
 * Plans a text completion. A text prompt is tokenized with the model's BOS and without parsing
 * special-token strings (a prompt's text is text); a prompt of token ids is used as given.
 * @throws ApiError 404 for another model, 422 for a refused field or a broken limit
 */
export function planCompletion(body: CompletionBody, ctx: PlanContext): CompletionPlan {
  refuse(body.echo === true, 'echo', 'echo');
  refuse(body.logprobs != null, 'logprobs', 'logprobs');
  refuse((body.best_of ?? 1) !== 1, 'best_of', 'best_of');
  refuse(body.suffix != null && body.suffix !== '', 'suffix', 'suffix');
  let prompt = body.prompt;
  if (Array.isArray(prompt) && (typeof prompt[0] === 'string' || Array.isArray(prompt[0]))) {
    if (prompt.length > 1) throw unprocessable('prompt', 'prompt: one prompt per request (got a list of several)', 'unsupported_parameter');
    prompt = prompt[0] as string | number[];
  }
  let tokens: Int32Array;
  if (typeof prompt === 'string') {
    tokens = ctx.model.tokenize(prompt, { addSpecial: true, parseSpecial: false });
    if (tokens.length === 0) throw unprocessable('prompt', 'prompt has no tokens');
  } else tokens = checkTokenIds(prompt as number[], ctx.model, 'prompt');
  return { tokens, ...commonOptions(body, ctx, tokens.length, body.max_tokens, 'max_tokens') };
}

/** A chat message's text (content parts joined). */
function messageText(m: ChatBody['messages'][number]): string {
  return typeof m.content === 'string' ? m.content : m.content.map((p) => p.text).join('');
}

/**
 * Plans a chat completion. The messages go through the model's chat template, whose output is
 * tokenized with special tokens parsed; so a message that holds the text of a control token
 * (e.g. `<|im_start|>`) is refused, or it could forge turns. A model without a chat template
 * gets the messages' texts joined by newlines, tokenized as plain text.
 * @throws ApiError 404 for another model, 422 for a refused field, a control-token string or a broken limit
 */
export function planChat(body: ChatBody, ctx: PlanContext): CompletionPlan {
  refuse(body.logprobs === true, 'logprobs', 'logprobs');
  refuse(body.tools != null && body.tools.length > 0, 'tools', 'tools');
  const messages: ChatMessage[] = body.messages.map((m) => ({ role: m.role === 'developer' ? 'system' : m.role, content: messageText(m) }));
  const rendered = ctx.model.info.chatTemplate ? ctx.model.applyChatTemplate(messages) : null;
  let tokens: Int32Array;
  if (rendered !== null) {
    messages.forEach((m, i) => {
      const hit = ctx.controlTexts.find((c) => m.content.includes(c));
      if (hit !== undefined) {
        throw unprocessable(`messages[${i}].content`, `messages[${i}].content holds the control-token text '${hit}', which the chat template would turn into a control token`, 'control_token_in_message');
      }
    });
    tokens = ctx.model.tokenize(rendered, { addSpecial: true, parseSpecial: true });
  } else {
    tokens = ctx.model.tokenize(messages.map((m) => m.content).join('\n'), { addSpecial: true, parseSpecial: false });
  }
  if (tokens.length === 0) throw unprocessable('messages', 'messages have no tokens');
  const maxField = body.max_completion_tokens ?? body.max_tokens;
  return { tokens, ...commonOptions(body, ctx, tokens.length, maxField, body.max_completion_tokens != null ? 'max_completion_tokens' : 'max_tokens') };
}

/** OpenAI's finish_reason of a stop reason. */
export function finishReason(stop: string): 'stop' | 'length' {
  return stop === 'maxTokens' || stop === 'contextFull' ? 'length' : 'stop';
}
