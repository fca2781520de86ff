/**
 * The worker-thread side of {@link ScorePool} (`score-pool.ts`): builds the same per-pair
 * scorer as the serial path (`createExampleScorer`) from `workerData`, then answers each
 * `{ batch, rows }` message with `{ batch, scores }` and each `{ batch, task }` (a bootstrap
 * slice) with `{ batch, means }` (or either with `{ batch, error }`). WordNet comes
 * from the pool's shared memory when it sends it: in `settings.wordnet`, or as the first
 * message (`settings.wordnetFollows`), before which no scorer is built.
 * @module
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createExampleScorer } from './score-file.js';
import { runResampleTask } from './resample.js';
import type { ScorePoolRequest, ScorePoolResampleRequest, ScorePoolResponse, ScorePoolWordNet, ScoreWorkerSettings } from './score-pool.js';
import { adoptWordNetBytes } from './wordnet.js';

const port = parentPort;
if (port === null) throw new Error('score-worker.js runs only as a worker thread (see score-pool.ts)');
const settings = workerData as ScoreWorkerSettings;
let receiveWordNet: (msg: ScorePoolWordNet) => void = () => undefined;
const wordnet = settings.wordnetFollows
  ? new Promise<ScorePoolWordNet['wordnet']>((resolve) => (receiveWordNet = (msg) => resolve(msg.wordnet)))
  : Promise.resolve(settings.wordnet);
const ready = wordnet.then((files) => {
  if (files !== undefined) adoptWordNetBytes(files);
  return createExampleScorer({
    stem: settings.stem,
    ...(settings.meteor ? {} : { meteor: false as const }),
    ...(settings.nltkData === undefined ? {} : { nltkData: settings.nltkData }),
  });
});
// Loading METEOR's data can fail (a bad --nltk-data): that error answers every batch.
ready.catch(() => undefined);

port.on('message', (msg: ScorePoolRequest | ScorePoolResampleRequest | ScorePoolWordNet) => {
  if ('wordnet' in msg) {
    receiveWordNet(msg);
    return;
  }
  if ('task' in msg) {
    let reply: ScorePoolResponse;
    try {
      reply = { batch: msg.batch, means: runResampleTask(msg.task) };
    } catch (err) {
      reply = { batch: msg.batch, error: err instanceof Error ? err.message : String(err) };
    }
    port.postMessage(reply);
    return;
  }
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
