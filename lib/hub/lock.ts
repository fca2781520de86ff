/**
 * A cross-process lock file holding the owner's pid: `open(O_EXCL)`, stale locks (dead pid or
 * unreadable for a while) are taken over.
 */
import { mkdir, open, readFile, stat, unlink } from 'node:fs/promises';
import path from 'node:path';

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Runs `fn` while holding `lockPath`. Waits (polling) while another live process or another
 * call in this process holds it; throws after `timeoutMs` naming the lock file and its owner.
 */
export async function withFileLock<T>(lockPath: string, fn: () => Promise<T>, timeoutMs = 30 * 60_000): Promise<T> {
  await mkdir(path.dirname(lockPath), { recursive: true });
  const token = `${process.pid}:${Math.random().toString(36).slice(2)}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const fh = await open(lockPath, 'wx');
      await fh.writeFile(token);
      await fh.close();
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    let owner = '';
    try {
      owner = (await readFile(lockPath, 'utf8')).trim();
    } catch {
      continue; // released meanwhile
    }
    const pid = Number(owner.split(':')[0]);
    let stale = false;
    if (Number.isInteger(pid) && pid > 0) stale = !pidAlive(pid);
    else {
      const age = await stat(lockPath).then((s) => Date.now() - s.mtimeMs, () => 0);
      stale = age > 10_000;
    }
    if (stale) {
      await unlink(lockPath).catch(() => {});
      continue;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for lock ${lockPath} held by ${owner || 'an unknown process'}; delete it if no download is running`);
    }
    await sleep(100);
  }
  try {
    return await fn();
  } finally {
    const current = await readFile(lockPath, 'utf8').catch(() => '');
    if (current.trim() === token) await unlink(lockPath).catch(() => {});
  }
}
