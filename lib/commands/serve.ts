/**
 * `persona-gen serve`: personalized completions over an OpenAI-compatible HTTP API, user
 * profiles in an embedded database, and the playground page (see lib/server). SIGTERM or
 * SIGINT stops accepting connections, lets running requests finish, then exits; a second
 * signal exits at once.
 * @module
 */
import { Command, InvalidArgumentError, Option } from 'commander';

import { DEFAULT_EMBEDDER } from '../eval/settings.js';
import { KV_MEMORY_SHARE } from '../kv-memory.js';
import { DEFAULT_SERVE_PARALLEL, startServer, type ServeSettings } from '../server/start.js';
import { numberArg } from './number-arg.js';

/** What commander gives the action: the settings' own fields, and the limits spelled as options. */
interface ServeCliOptions
  extends Pick<ServeSettings, 'model' | 'modelName' | 'space' | 'host' | 'port' | 'db' | 'threads' | 'contextSize' | 'apiKey' | 'keysFile' | 'bodyLimit'> {
  embedder: string;
  parallel?: number;
  beta: number;
  maxTokensLimit?: number;
  defaultMaxTokens: number;
  maxPromptTokens?: number;
  maxProfileTexts: number;
  maxProfileTextChars: number;
  log: boolean;
  engineStreams: boolean;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

/** Registers `serve`. */
export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('serve personalized completions over an OpenAI-compatible HTTP API (profiles in an embedded database; playground at /)')
    .requiredOption('--model <file|hf:ref>', 'GGUF model file or hf:<owner>/<repo>/<file>.gguf')
    .option('--model-name <name>', 'the model name clients send (default: the file name without .gguf)')
    .option('--embedder <id|folder>', 'Sentence-BERT embedder of the sbert space', DEFAULT_EMBEDDER)
    .addOption(new Option('--space <space>', 'personalization space').choices(['sbert', 'native']).default('sbert'))
    .option('--host <host>', 'address to bind', '127.0.0.1')
    .option('--port <n>', 'port (0: any free port)', numberArg('--port', { integer: true, min: 0, max: 65535 }), 8080)
    .option('--db <file>', 'profile database file (SQLite; created when absent)', 'persona-gen.db')
    .option('--parallel <n>', `most sequences generated at once (the batch engine; others queue; default ${DEFAULT_SERVE_PARALLEL}, fewer where the KV cache would take over ${KV_MEMORY_SHARE * 100}% of the free memory)`, numberArg('--parallel', { integer: true, min: 1, max: 256 }))
    .option('--threads <n>', 'CPU threads', numberArg('--threads', { integer: true, min: 1 }))
    .option('--context-size <n>', "context size of each sequence (default: the model's training context, at most 4096)", numberArg('--context-size', { integer: true, min: 16 }))
    .option('--api-key <key>', 'API key of tenant "default" (admin); also read from $PERSONA_GEN_API_KEY')
    .option('--keys-file <file>', 'JSON file of keys and tenants: {"keys":[{"key","tenant","admin"?}]}')
    .option('--beta <b>', 'persona.beta of requests with a user and no beta', numberArg('--beta', { min: -1e6, max: 1e6 }), 1)
    .option('--max-tokens-limit <n>', 'most max_tokens a request may ask (default: the context size)', numberArg('--max-tokens-limit', { integer: true, min: 1 }))
    .option('--default-max-tokens <n>', 'max_tokens of requests that give none', numberArg('--default-max-tokens', { integer: true, min: 1 }), 256)
    .option('--max-prompt-tokens <n>', 'most prompt tokens (default: the context size - 1)', numberArg('--max-prompt-tokens', { integer: true, min: 1 }))
    .option('--body-limit <bytes>', 'largest request body', numberArg('--body-limit', { integer: true, min: 1024 }), 4 * 1024 * 1024)
    .option('--max-profile-texts <n>', 'most texts in a profile', numberArg('--max-profile-texts', { integer: true, min: 1 }), 1000)
    .option('--max-profile-text-chars <n>', 'most characters in one profile text', numberArg('--max-profile-text-chars', { integer: true, min: 1 }), 100_000)
    .option('--log', 'log every request (JSON lines on stderr)', false)
    .option('--no-engine-streams', "the server's JavaScript writes every streamed event (default: the engine writes them itself, straight to the connection, on Linux and macOS)")
    .action(async (opts: ServeCliOptions) => {
      const apiKey = opts.apiKey ?? (process.env.PERSONA_GEN_API_KEY || undefined);
      if (apiKey !== undefined && apiKey.length < 8) throw new InvalidArgumentError('--api-key must be at least 8 characters');
      const settings: ServeSettings = {
        model: opts.model,
        modelName: opts.modelName,
        space: opts.space,
        embedder: opts.embedder,
        host: opts.host,
        port: opts.port,
        db: opts.db,
        parallel: opts.parallel ?? DEFAULT_SERVE_PARALLEL,
        fitParallel: opts.parallel === undefined,
        note: (line) => process.stderr.write(`persona-gen serve: ${line}\n`),
        threads: opts.threads,
        contextSize: opts.contextSize,
        apiKey,
        keysFile: opts.keysFile,
        bodyLimit: opts.bodyLimit,
        limits: { maxTokens: opts.maxTokensLimit, defaultMaxTokens: opts.defaultMaxTokens, maxPromptTokens: opts.maxPromptTokens, defaultBeta: opts.beta },
        profileLimits: { maxItems: opts.maxProfileTexts, maxItemChars: opts.maxProfileTextChars },
        log: opts.log,
        engineStreams: opts.engineStreams,
      };
      const server = await startServer(settings);
      const keys = server.keys.enabled ? `${server.keys.size} API key(s)` : 'no API key: open to anyone who can connect';
      process.stderr.write(
        `persona-gen serve: listening on ${server.url} (model ${server.modelId}, ${opts.space} space, ${server.queue.parallel} parallel, db ${opts.db}, ${keys})\n`,
      );
      if (!server.keys.enabled && !LOOPBACK.has(opts.host)) {
        process.stderr.write(`persona-gen serve: warning: bound to ${opts.host} without an API key\n`);
      }
      let stopping = false;
      const stop = (signal: string) => {
        if (stopping) {
          process.stderr.write(`persona-gen serve: ${signal} again, exiting now\n`);
          process.exit(1);
        }
        stopping = true;
        process.stderr.write(`persona-gen serve: ${signal}: no new connections; finishing ${server.queue.running + server.queue.waiting} request(s)\n`);
        server.close().then(
          () => {
            process.stderr.write('persona-gen serve: stopped\n');
            process.exit(0);
          },
          (err: unknown) => {
            process.stderr.write(`persona-gen serve: error while stopping: ${err instanceof Error ? err.message : String(err)}\n`);
            process.exit(1);
          },
        );
      };
      process.on('SIGTERM', () => stop('SIGTERM'));
      process.on('SIGINT', () => stop('SIGINT'));
    });
}
