/**
 * A real, private redis-server for the queue benchmark and tests: Debian's binary, started on a
 * free loopback port with its own temporary folder (AOF on, fsync always), restartable with the
 * same data, stopped (and its folder removed) at the end.
 * @module
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/** The redis-server binary, or undefined when it is not installed (the tests then skip, naming it). */
export const redisServerBinary = ['/usr/bin/redis-server', '/usr/local/bin/redis-server'].find(existsSync) ??
  (spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).stdout.trim() || undefined);

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

async function waitForPong(port: number, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const sock = net.connect(port, '127.0.0.1');
      let text = '';
      sock.on('connect', () => sock.write('PING\r\n'));
      sock.on('data', (d) => {
        text += d.toString();
        if (text.includes('\r\n')) {
          sock.destroy();
          resolve(text.startsWith('+PONG'));
        }
      });
      sock.on('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > until) throw new Error(`redis-server on port ${port} did not answer PING within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A running private Redis. */
export interface PrivateRedis {
  port: number;
  url: string;
  dir: string;
  /** Stops it (SIGTERM: the AOF is flushed) and starts it again on the same port and data. */
  restart(downMs?: number): Promise<void>;
  /** Stops it and removes its folder. */
  stop(): Promise<void>;
}

/**
 * Starts redis-server with AOF on (appendfsync always) in a temporary folder.
 *
 * @throws Error when redis-server is not installed or does not answer within 10 s.
 */
export async function startRedis(): Promise<PrivateRedis> {
  if (!redisServerBinary) throw new Error('redis-server is not installed');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pg-redis-'));
  const port = await freePort();
  let child: ChildProcess | undefined;
  const launch = async (): Promise<void> => {
    child = spawn(
      redisServerBinary!,
      ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--appendfsync', 'always', '--save', '', '--protected-mode', 'yes', '--loglevel', 'warning'],
      { stdio: 'ignore' },
    );
    await waitForPong(port, 10_000);
  };
  const halt = async (): Promise<void> => {
    const c = child;
    child = undefined;
    if (!c || c.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      c.once('exit', () => resolve());
      c.kill('SIGTERM');
    });
  };
  await launch();
  return {
    port,
    url: `redis://127.0.0.1:${port}/0`,
    dir,
    async restart(downMs = 500) {
      await halt();
      await new Promise((r) => setTimeout(r, downMs));
      await launch();
    },
    async stop() {
      await halt();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
