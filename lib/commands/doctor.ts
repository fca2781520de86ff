/**
 * `persona-gen doctor`: what the native binary was built with and what it uses here.
 * @module
 */
import { Command } from 'commander';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../../bindings/index.js';
import { defaultThreads } from '../model.js';
import { systemInfo } from '../system-info.js';

/** Registers `doctor`. */
export function registerDoctorCommand(program: Command): void {
  program
    .command('doctor')
    .description('print what the native binary was built with and what it uses on this machine')
    .option('--json', 'print JSON', false)
    .action((opts: { json: boolean }) => {
      const pkg = JSON.parse(readFileSync(path.join(packageRoot, 'package.json'), 'utf8')) as { version: string };
      const info = systemInfo();
      const hfHome = process.env.HF_HOME ?? path.join(process.env.HOME ?? '', '.cache', 'huggingface');
      const hubCache = process.env.HF_HUB_CACHE ?? path.join(hfHome, 'hub');
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
        hubCache: `${hubCache} (${existsSync(hubCache) ? 'present' : 'absent'})`,
      };
      if (opts.json) {
        process.stdout.write(JSON.stringify(report, null, 2) + '\n');
        return;
      }
      for (const [k, v] of Object.entries(report)) process.stdout.write(`${k.padEnd(16)} ${String(v)}\n`);
    });
}
