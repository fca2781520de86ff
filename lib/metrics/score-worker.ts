/**
 * The worker-thread side of {@link ScorePool} (`score-pool.ts`): builds the same per-pair
 * scorer as the serial path (`createExampleScorer`) from `workerData`, then answers each
 * `{ batch, rows }` message with `{ batch, scores }` (or `{ batch, error }`). WordNet comes
 * from the pool's shared memory when it sent it (`settings.wordnet`).
 * @module
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createExampleScorer } from './score-file.js';
import type { ScorePoolRequest, ScorePoolResponse, ScoreWorkerSettings } from './score-pool.js';
import { adoptWordNetBytes } from './wordnet.js';

const port = parentPort;
if (port === null) throw new Error('score-worker.js runs only as a worker thread (see score-pool.ts)');
const settings = workerData as ScoreWorkerSettings;
if (settings.wordnet !== undefined) adoptWordNetBytes(settings.wordnet);
const ready = createExampleScorer({
  stem: settings.stem,
  ...(settings.meteor ? {} : { meteor: false as const }),
  ...(settings.nltkData === undefined ? {} : { nltkData: settings.nltkData }),
});
// Loading METEOR's data can fail (a bad --nltk-data): that error answers every batch.
ready.catch(() => undefined);

port.on('message', (msg: ScorePoolRequest) => {
  ready.then(
    (score) => {
      let reply: ScorePoolResponse;
      try {
        reply = { batch: msg.batch, scores: msg.rows.map((row) => score(row)) };
      } catch (err) {
        reply = { batch: msg.batch, error: err instanceof Error ? err.message : String(err) };
      }
      port.postMessage(reply);
    },
    (err: unknown) => port.postMessage({ batch: msg.batch, error: err instanceof Error ? err.message : String(err) } satisfies ScorePoolResponse),
  );
});
