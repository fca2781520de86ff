/**
 * The load generator of the server benchmark: a wave of N concurrent streaming completion
 * requests against an OpenAI-compatible endpoint (ours or llama-server's), timing each
 * request's first token and its end, and counting the tokens it got.
 * @module
 */

/** One request of a wave. */
export interface RequestTiming {
  /** ms from sending to the first text chunk. */
  ttftMs: number;
  /** ms from sending to the end of the stream. */
  latencyMs: number;
  /** Generated tokens (the usage the server reports, else the text chunks counted). */
  tokens: number;
}

/** A wave: every request, and the aggregate throughput. */
export interface WaveResult {
  requests: RequestTiming[];
  wallMs: number;
  /** All requests' tokens over the wave's wall time. */
  tokensPerSecond: number;
}

/** What a wave sends. */
export interface WaveSpec {
  /** Base URL, e.g. `http://127.0.0.1:8080`. */
  url: string;
  /** Concurrent requests. */
  n: number;
  /** Request body for request i (stream is forced on). */
  body: (i: number) => Record<string, unknown>;
  headers?: Record<string, string>;
  /**
   * The endpoint (default `/v1/completions`, OpenAI's stream format). `/completion` is
   * llama-server's own (chunks `{ content }`, the last with `tokens_predicted`): its OpenAI
   * route runs every output through its chat-format parser, which rejects some outputs of a
   * random-weight model ("does not match the expected Content-only format").
   */
  path?: '/v1/completions' | '/completion';
}

async function one(spec: WaveSpec, i: number): Promise<RequestTiming> {
  const t0 = performance.now();
  const res = await fetch(`${spec.url}${spec.path ?? '/v1/completions'}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...spec.headers },
    body: JSON.stringify({ ...spec.body(i), stream: true }),
  });
  if (!res.ok || !res.body) throw new Error(`request ${i} to ${spec.url}: HTTP ${res.status} ${await res.text()}`);
  let ttft = -1;
  let chunks = 0;
  let usageTokens: number | undefined;
  let buf = '';
  const decoder = new TextDecoder();
  for await (const part of res.body as unknown as AsyncIterable<Uint8Array>) {
    buf += decoder.decode(part, { stream: true });
    let cut: number;
    while ((cut = buf.indexOf('\n\n')) >= 0) {
      const event = buf.slice(0, cut);
      buf = buf.slice(cut + 2);
      const data = event.startsWith('data: ') ? event.slice(6) : '';
      if (data === '' || data === '[DONE]') continue;
      const chunk = JSON.parse(data) as {
        choices?: { text?: string }[];
        usage?: { completion_tokens?: number };
        error?: { message: string };
        content?: string;
        tokens_predicted?: number;
      };
      if (chunk.error) throw new Error(`request ${i} to ${spec.url}: ${chunk.error.message}`);
      if (chunk.usage?.completion_tokens !== undefined) usageTokens = chunk.usage.completion_tokens;
      if (chunk.tokens_predicted !== undefined) usageTokens = chunk.tokens_predicted;
      if (chunk.choices?.[0]?.text || chunk.content) {
        chunks++;
        if (ttft < 0) ttft = performance.now() - t0;
      }
    }
  }
  const latency = performance.now() - t0;
  return { ttftMs: ttft < 0 ? latency : ttft, latencyMs: latency, tokens: usageTokens ?? chunks };
}

/** Sends N requests at once and waits for all. */
export async function runWave(spec: WaveSpec): Promise<WaveResult> {
  const t0 = performance.now();
  const requests = await Promise.all(Array.from({ length: spec.n }, (_, i) => one(spec, i)));
  const wallMs = performance.now() - t0;
  const tokens = requests.reduce((s, r) => s + r.tokens, 0);
  return { requests, wallMs, tokensPerSecond: (tokens * 1000) / wallMs };
}

/** The q-quantile (0..1) of values, by linear interpolation between order statistics. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) throw new RangeError('quantile of no values');
  const s = [...values].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo]! + (s[hi]! - s[lo]!) * (pos - lo);
}
