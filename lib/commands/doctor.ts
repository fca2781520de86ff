/**
 * `persona-gen doctor`: what the native binary was built with, what it uses here, and the
 * state of the caches (Hub models and datasets, embeddings, vocabulary matrices).
 * @module
 */
import { Command } from 'commander';
import { accessSync, constants, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../../bindings/index.js';
import { personaGenCacheDir } from '../embed/embedding-cache.js';
import { hubCacheDir } from '../hub/settings.js';
import { defaultThreads } from '../model.js';
import { systemInfo } from '../system-info.js';

/** One cache folder's state. */
export interface CacheReport {
  path: string;
  exists: boolean;
  writable: boolean;
  entries: number;
  bytes: number;
}

function folderSize(dir: string): { files: number; bytes: number } {
  let files = 0;
  let bytes = 0;
  const stack = [dir];
  while (stack.length) {
    const d = stack.pop()!;
    let names: string[] = [];
    try {
      names = readdirSync(d);
    } catch {
      continue;
    }
    for (const n of names) {
      const p = path.join(d, n);
      try {
        const st = statSync(p);
        if (st.isDirectory()) stack.push(p);
        else if (st.isFile()) {
          files++;
          bytes += st.size;
        }
      } catch {
        // a dangling snapshot link: not counted
      }
    }
  }
  return { files, bytes };
}

/** Inspects a cache folder: whether it exists and is writable, its top-level entries and size. */
export function inspectCache(dir: string): CacheReport {
  const exists = existsSync(dir);
  let writable = false;
  let probe = dir;
  while (!existsSync(probe) && path.dirname(probe) !== probe) probe = path.dirname(probe);
  try {
    accessSync(probe, constants.W_OK);
    writable = true;
  } catch {
    writable = false;
  }
  const entries = exists ? readdirSync(dir).length : 0;
  return { path: dir, exists, writable, entries, bytes: exists ? folderSize(dir).bytes : 0 };
}

function describe(c: CacheReport): string {
  if (!c.exists) return `${c.path} (absent${c.writable ? ', can be created' : ', NOT writable'})`;
  return `${c.path} (${c.entries} entries, ${(c.bytes / 2 ** 20).toFixed(1)} MiB${c.writable ? '' : ', NOT writable'})`;
}

/** Registers `doctor`. */
export function registerDoctorCommand(program: Command): void {
  program
    .command('doctor')
    .description('print what the native binary was built with, what it uses on this machine, and the caches')
    .option('--json', 'print JSON', false)
    .action((opts: { json: boolean }) => {
      const pkg = JSON.parse(readFileSync(path.join(packageRoot, 'package.json'), 'utf8')) as { version: string };
      const info = systemInfo();
      const cacheRoot = personaGenCacheDir();
      const caches = {
        hub: inspectCache(hubCacheDir()),
        embeddings: inspectCache(path.join(cacheRoot, 'embeddings')),
        vocab: inspectCache(path.join(cacheRoot, 'vocab')),
      };
      const report = {
        version: pkg.version,
        node: process.versions.node,
        platform: `${process.platform}-${process.arch}`,
        napiVersion: info.napiVersion,
        llamaCpp: `${info.llamaRelease} (${info.llamaCommit.slice(0, 12)})`,
        cpuTarget: info.cpuTarget,
        biasKernel: info.simdPath,
        cpuFeatures: info.cpuFeatures,
        llamaCpuBackend: info.llamaSystemInfo.trim(),
        defaultThreads: defaultThreads(),
        gpuOffload: info.gpuOffload,
        caches,
      };
      if (opts.json) {
        process.stdout.write(JSON.stringify(report, null, 2) + '\n');
        return;
      }
      const { caches: c, ...rest } = report;
      for (const [k, v] of Object.entries(rest)) process.stdout.write(`${k.padEnd(16)} ${String(v)}\n`);
      process.stdout.write(`${'hub cache'.padEnd(16)} ${describe(c.hub)}\n`);
      process.stdout.write(`${'embedding cache'.padEnd(16)} ${describe(c.embeddings)}\n`);
      process.stdout.write(`${'vocab cache'.padEnd(16)} ${describe(c.vocab)}\n`);
      const bad = Object.values(c).filter((x) => !x.writable);
      if (bad.length) process.exitCode = 1;
    });
}
