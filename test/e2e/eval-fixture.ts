// Helpers of the eval/sweep/report/demo end-to-end tests: a small LongLaMP-2 fixture (3 users,
// profile items {abstract, id, title, year}) and a way to run the built CLI.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { nltkData, repoRoot, storiesModel } from '../helpers/shared.js';

export { nltkData };

/** The built CLI. */
export const cliPath = path.join(repoRoot, 'dist', 'cli.js');
/** The tiny real model. */
export const tinyModel = storiesModel;
/** Whether the end-to-end tests can run (the model and a built CLI). */
export const canRunE2e = existsSync(tinyModel) && existsSync(cliPath);
if (!canRunE2e) {
  console.warn(`[tests] ${existsSync(tinyModel) ? cliPath : tinyModel} is absent: the eval end-to-end tests are skipped`);
}

/** The fixture's users, in file order. */
export const FIXTURE_USERS = ['Ada Lovelace', 'Grace Hopper', 'Alan Turing'] as const;

/** Rows of a LongLaMP-2 (abstract generation) file: `name`, `input`, `output`, `profile`. */
export function fixtureRows(): Record<string, unknown>[] {
  const item = (id: string, title: string, abstract: string, year: number) => ({ abstract, id, title, year });
  return [
    {
      name: 'Ada Lovelace',
      input: 'Generate an abstract for the title "The little engine that computes" using the following items: 1. engine 2. numbers 3. cards',
      output:
        'Once there was a little engine that loved numbers. It read cards with holes and made tables for the sailors. ' +
        'Every day the engine worked hard and the people were happy.',
      profile: [
        item('a1', 'Notes on the analytical engine', 'The engine can weave numbers the way a loom weaves flowers. It reads cards and computes tables.', 1843),
        item('a2', 'A letter about poetry and numbers', 'Poetry and numbers are friends. The little engine sings with numbers and cards.', 1844),
      ],
    },
    {
      name: 'Grace Hopper',
      input: 'Generate an abstract for the title "A bug in the big machine" using the following items: bug, machine, fix',
      output:
        'One day a little bug flew into the big machine. The machine stopped and everyone was sad. ' +
        'Grace found the bug, took it out and the machine worked again.',
      profile: [
        item('g1', 'Compilers for everyone', 'We write a program that writes programs, so that people can talk to the machine in words.', 1952),
        item('g2', 'The first bug', 'A moth was found in the relay of the machine. We taped it into the log book and fixed the machine.', 1947),
        item('g3', 'Nanoseconds', 'A nanosecond is a short piece of wire. Do not waste time, every wire counts.', 1968),
      ],
    },
    {
      name: 'Alan Turing',
      input: 'Generate an abstract for the title "Can a toy think?" using the following items: toy, game, think',
      output:
        'Tom had a toy robot. He asked his mom if the toy could think. They played a game to find out, ' +
        'and the toy won. Tom was happy and hugged his robot.',
      profile: [
        item('t1', 'On computable numbers', 'A machine with a tape can compute any number that a person can compute with a pencil.', 1936),
        item('t2', 'Computing machinery and intelligence', 'Can machines think? We play the imitation game to find out.', 1950),
      ],
    },
  ];
}

/** Writes the fixture as JSONL and returns its path. */
export function writeFixture(dir: string, name = 'longlamp2.jsonl'): string {
  const file = path.join(dir, name);
  writeFileSync(file, fixtureRows().map((r) => JSON.stringify(r)).join('\n') + '\n');
  return file;
}

/** Options every test run uses: the tiny model, the native space, few tokens, 2 threads. */
export function baseArgs(fixture: string): string[] {
  return [
    '--model', tinyModel,
    '--space', 'native',
    '--data', fixture,
    '--max-tokens', '24',
    '--threads', '2',
    '--context-size', '256',
    '--nltk-data', nltkData,
  ];
}

/** A persona-gen cache folder for the tests (model hashes), so that they leave the user's cache alone. */
export const testCacheDir = mkdtempSync(path.join(os.tmpdir(), 'pg-test-cache-'));

/** What a finished CLI process left. */
export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Starts the CLI; `onStderr` sees stderr as it arrives. */
export function startCli(args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv; onStderr?: (text: string, child: ChildProcess) => void }): {
  child: ChildProcess;
  done: Promise<CliResult>;
} {
  const child = spawn(process.execPath, [cliPath, ...args], {
    cwd: opts.cwd,
    env: { ...process.env, HF_HUB_OFFLINE: '1', PERSONA_GEN_CACHE: testCacheDir, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => {
    stderr += d.toString();
    opts.onStderr?.(stderr, child);
  });
  const done = new Promise<CliResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { child, done };
}

/** Runs the CLI to the end. */
export function runCli(args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<CliResult> {
  return startCli(args, opts).done;
}
