#!/usr/bin/env node
/**
 * The persona-gen command line.
 * @module
 */
import { Command, CommanderError } from 'commander';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../bindings/index.js';

/**
 * Each command's module, in help order. Only the command being run is imported (when the first
 * argument names one): the others pull in heavy dependencies (the server, the queue, the
 * evaluation), whose loading took about half a second, longer than `score` needs for small files.
 */
const COMMANDS: Record<string, () => Promise<(program: Command) => void>> = {
  generate: async () => (await import('./commands/generate.js')).registerGenerateCommand,
  score: async () => (await import('./commands/score.js')).registerScoreCommand,
  download: async () => (await import('./commands/download.js')).registerDownloadCommand,
  eval: async () => (await import('./commands/eval.js')).registerEvalCommand,
  sweep: async () => (await import('./commands/sweep.js')).registerSweepCommand,
  report: async () => (await import('./commands/report.js')).registerReportCommand,
  demo: async () => (await import('./commands/demo.js')).registerDemoCommand,
  doctor: async () => (await import('./commands/doctor.js')).registerDoctorCommand,
  serve: async () => (await import('./commands/serve.js')).registerServeCommand,
  worker: async () => (await import('./commands/worker.js')).registerWorkerCommand,
};

const pkg = JSON.parse(readFileSync(path.join(packageRoot, 'package.json'), 'utf8')) as { version: string };

const program = new Command();
program
  .name('persona-gen')
  .description('Personalized text generation with a llama.cpp core, and its LongLaMP evaluation')
  .version(pkg.version)
  .showHelpAfterError('(add --help for usage)');

const named = process.argv[2];
const wanted = named !== undefined && Object.hasOwn(COMMANDS, named) ? [named] : Object.keys(COMMANDS);
for (const register of await Promise.all(wanted.map((name) => COMMANDS[name]!()))) register(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) process.exit(err.exitCode);
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`persona-gen: ${message}\n`);
  process.exit(1);
}
