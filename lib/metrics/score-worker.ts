/**
 * The worker-thread side of {@link ScorePool} (`score-pool.ts`): builds the same METEOR aligner
 * as the serial path (`createMeteorTextScorer`), and the tokenizer (`createMeteorTokenizer`) on
 * the first batch of raw texts, then answers each `{ batch, texts, tokenized }` message with
 * `{ batch, meteor }` and each `{ batch, task }` (a bootstrap slice) with `{ batch, means }` (or
 * either with `{ batch, error }`). WordNet comes from the pool's shared memory as the first
 * message, before which no batch is scored.
 * @module
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createMeteorTextScorer, createMeteorTokenizer } from './meteor.js';
import { runResampleTask } from './resample.js';
import type { ScorePoolMeteorRequest, ScorePoolResampleRequest, ScorePoolResponse, ScorePoolWordNet, ScoreWorkerSettings } from './score-pool.js';
import { adoptWordNetBytes } from './wordnet.js';

const port = parentPort;
if (port === null) throw new Error('score-worker.js runs only as a worker thread (see score-pool.ts)');
const settings = workerData as ScoreWorkerSettings;
const errorText = (err: unknown): string => (err instanceof Error ? err.message : String(err));

let receiveWordNet: (msg: ScorePoolWordNet) => void = () => undefined;
const scoreTexts = new Promise<void>((resolve) => {
  receiveWordNet = (msg) => {
    adoptWordNetBytes(msg.wordnet);
    resolve();
  };
}).then(() => createMeteorTextScorer());
// Building the aligner can fail: that error answers every batch.
scoreTexts.catch(() => undefined);
let tokenizer: Promise<(text: string) => string> | undefined;

/** METEOR of each pair of `texts` (hypothesis, reference, ...), tokenizing them first unless `tokenized`. */
async function meteorOf(texts: readonly string[], tokenized: boolean): Promise<Float64Array> {
  const score = await scoreTexts;
  // The calling thread warns about missing Punkt data; the worker does not repeat it.
  const tokenize = tokenized ? undefined : await (tokenizer ??= createMeteorTokenizer({ ...(settings.nltkData === undefined ? {} : { nltkData: settings.nltkData }), warn: false }));
  const out = new Float64Array(texts.length >> 1);
  for (let i = 0; i < out.length; i++) {
    const hypothesis = texts[2 * i]!;
    const reference = texts[2 * i + 1]!;
    out[i] = tokenize === undefined ? score(hypothesis, reference) : score(tokenize(hypothesis), tokenize(reference));
  }
  return out;
}

port.on('message', (msg: ScorePoolMeteorRequest | ScorePoolResampleRequest | ScorePoolWordNet) => {
  if ('wordnet' in msg) {
    receiveWordNet(msg);
    return;
  }
  if ('task' in msg) {
    let reply: ScorePoolResponse;
    try {
      reply = { batch: msg.batch, means: runResampleTask(msg.task) };
    } catch (err) {
      reply = { batch: msg.batch, error: errorText(err) };
    }
    port.postMessage(reply);
    return;
  }
  meteorOf(msg.texts, msg.tokenized).then(
    (meteor) => port.postMessage({ batch: msg.batch, meteor } satisfies ScorePoolResponse, [meteor.buffer as ArrayBuffer]),
    (err: unknown) => port.postMessage({ batch: msg.batch, error: errorText(err) } satisfies ScorePoolResponse),
  );
});
