/**
 * `persona-gen generate`: run one prompt through a model, streaming the text to stdout.
 * @module
 */
import type { Command } from 'commander';
import { loadModel } from '../model.js';
import { numberArg } from './number-arg.js';

interface GenerateCliOptions {
  model: string;
  prompt: string;
  maxTokens: number;
  temperature: number;
  seed?: number;
  threads?: number;
  contextSize: number;
  chat: boolean;
  stats: boolean;
}

/** Registers `generate`. */
export function registerGenerateCommand(program: Command): void {
  program
    .command('generate')
    .description('generate text for one prompt with a GGUF model (no personalization), streamed to stdout')
    .requiredOption('-m, --model <path>', 'GGUF model file')
    .requiredOption('-p, --prompt <text>', 'the prompt')
    .option('-n, --max-tokens <n>', 'most new tokens', numberArg('--max-tokens', { integer: true, min: 1 }), 256)
    .option('--temperature <t>', 'sampling temperature (0 = greedy)', numberArg('--temperature', { min: 0 }), 0)
    .option('--seed <s>', 'sampler seed', numberArg('--seed', { integer: true, min: 0, max: 0xfffffffe }))
    .option('--threads <n>', 'CPU threads', numberArg('--threads', { integer: true, min: 1 }))
    .option('--context-size <n>', 'context size', numberArg('--context-size', { integer: true, min: 16 }), 2048)
    .option('--chat', "wrap the prompt in the model's chat template", false)
    .option('--stats', 'print token counts and speed on stderr', false)
    .action(async (opts: GenerateCliOptions) => {
      const model = await loadModel(opts.model, { contextSize: opts.contextSize, threads: opts.threads });
      try {
        const s = model.stream(opts.prompt, {
          maxTokens: opts.maxTokens,
          temperature: opts.temperature,
          seed: opts.seed,
          chat: opts.chat,
        });
        for await (const chunk of s) process.stdout.write(chunk);
        process.stdout.write('\n');
        const r = await s.result;
        if (opts.stats) {
          process.stderr.write(
            `prompt ${r.promptTokens} tokens (${r.timings.promptTokensPerSecond.toFixed(1)} t/s), ` +
              `generated ${r.tokens.length} tokens (${r.timings.decodeTokensPerSecond.toFixed(1)} t/s), stop: ${r.stopReason}\n`,
          );
        }
      } finally {
        model.dispose();
      }
    });
}
