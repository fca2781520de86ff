#!/usr/bin/env node
/**
 * The persona-gen command line.
 * @module
 */
import { Command, CommanderError } from 'commander';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../bindings/index.js';
import { registerDemoCommand } from './commands/demo.js';
import { registerDoctorCommand } from './commands/doctor.js';
import { registerDownloadCommand } from './commands/download.js';
import { registerEvalCommand } from './commands/eval.js';
import { registerGenerateCommand } from './commands/generate.js';
import { registerReportCommand } from './commands/report.js';
import { registerScoreCommand } from './commands/score.js';
import { registerServeCommand } from './commands/serve.js';
import { registerSweepCommand } from './commands/sweep.js';
import { registerWorkerCommand } from './commands/worker.js';

const pkg = JSON.parse(readFileSync(path.join(packageRoot, 'package.json'), 'utf8')) as { version: string };

const program = new Command();
program
  .name('persona-gen')
  .description('Personalized text generation with a llama.cpp core, and its LongLaMP evaluation')
  .version(pkg.version)
  .showHelpAfterError('(add --help for usage)');

registerGenerateCommand(program);
registerScoreCommand(program);
registerDownloadCommand(program);
registerEvalCommand(program);
registerSweepCommand(program);
registerReportCommand(program);
registerDemoCommand(program);
registerDoctorCommand(program);
registerServeCommand(program);
registerWorkerCommand(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) process.exit(err.exitCode);
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`persona-gen: ${message}\n`);
  process.exit(1);
}
