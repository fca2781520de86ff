/**
 * The server's Prometheus metrics (prom-client, a registry of its own): requests by route and
 * status, prompt and generated tokens, generated tokens per second over the last 10 seconds,
 * queue depth, sequences running, time to first token, and streamed responses by who wrote
 * their events (the engine itself, or the server's JavaScript).
 * @module
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** What the metrics read from the generation queue when scraped. */
export interface QueueGauges {
  /** Requests waiting for a sequence slot. */
  readonly waiting: number;
  /** Sequences being generated. */
  readonly running: number;
}

const WINDOW_MS = 10_000;

/** The metrics of one server. */
export class ServerMetrics {
  readonly registry = new Registry();
  readonly #requests: Counter<'route' | 'status'>;
  readonly #promptTokens: Counter;
  readonly #generatedTokens: Counter;
  readonly #personalized: Counter;
  readonly #ttft: Histogram;
  readonly #streams: Counter<'writer'>;
  readonly #recent: { at: number; tokens: number }[] = [];
  readonly #started = Date.now();

  constructor(queue: QueueGauges) {
    const registers = [this.registry];
    this.#requests = new Counter({ name: 'persona_gen_requests_total', help: 'HTTP requests answered, by route and status', labelNames: ['route', 'status'], registers });
    this.#promptTokens = new Counter({ name: 'persona_gen_prompt_tokens_total', help: 'Prompt tokens processed', registers });
    this.#generatedTokens = new Counter({ name: 'persona_gen_generated_tokens_total', help: 'Tokens generated', registers });
    this.#personalized = new Counter({ name: 'persona_gen_personalized_requests_total', help: 'Completions generated with a user vector', registers });
    this.#ttft = new Histogram({
      name: 'persona_gen_time_to_first_token_seconds',
      help: 'Time from a completion request to its first generated text',
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.#streams = new Counter({
      name: 'persona_gen_streamed_responses_total',
      help: "Streamed completions by who wrote their events: 'engine' (its own thread, straight to the connection) or 'server' (the JavaScript thread)",
      labelNames: ['writer'],
      registers,
    });
    const recent = this.#recent;
    const started = this.#started;
    new Gauge({
      name: 'persona_gen_generated_tokens_per_second',
      help: 'Tokens generated per second over the last 10 seconds',
      registers,
      collect() {
        const now = Date.now();
        while (recent.length > 0 && recent[0]!.at < now - WINDOW_MS) recent.shift();
        const tokens = recent.reduce((n, r) => n + r.tokens, 0);
        this.set(tokens / (Math.min(WINDOW_MS, Math.max(1, now - started)) / 1000));
      },
    });
    new Gauge({ name: 'persona_gen_queue_depth', help: 'Completion requests waiting for a sequence slot', registers, collect() { this.set(queue.waiting); } });
    new Gauge({ name: 'persona_gen_sequences_running', help: 'Sequences being generated', registers, collect() { this.set(queue.running); } });
  }

  /** Counts an answered request. */
  request(route: string, status: number): void {
    this.#requests.inc({ route, status: String(status) });
  }

  /** Counts a finished generation. */
  generation(promptTokens: number, generatedTokens: number, personalized: boolean): void {
    this.#promptTokens.inc(promptTokens);
    this.#generatedTokens.inc(generatedTokens);
    if (personalized) this.#personalized.inc();
    this.#recent.push({ at: Date.now(), tokens: generatedTokens });
  }

  /** Counts a streamed response whose events `writer` wrote. */
  stream(writer: 'engine' | 'server'): void {
    this.#streams.inc({ writer });
  }

  /** Records a time to first token, in seconds. */
  firstToken(seconds: number): void {
    this.#ttft.observe(seconds);
  }

  /** The Prometheus text exposition. */
  async text(): Promise<string> {
    return this.registry.metrics();
  }

  /** The exposition's content type. */
  get contentType(): string {
    return this.registry.contentType;
  }
}
