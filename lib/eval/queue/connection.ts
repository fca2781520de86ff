/**
 * The Redis connection of `--queue`: `redis://[user[:password]@]host[:port][/db]` or
 * `rediss://...` (TLS), the password from the URL or REDIS_PASSWORD. The password is never shown:
 * {@link QueueConnection.display} is the URL without it, for notes and errors.
 * @module
 */
import type { ConnectionOptions } from 'bullmq';

import { EvalOptionError } from '../settings.js';

/** A parsed `--queue` URL. */
export interface QueueConnection {
  /** ioredis options for BullMQ (reconnecting forever: a Redis restart is waited out). */
  options: ConnectionOptions;
  /** The URL without user and password, e.g. `redis://10.0.0.5:6379/0`. */
  display: string;
}

/**
 * Parses a `--queue` URL.
 *
 * @param url - the option's value.
 * @param env - where REDIS_PASSWORD is read (default the process's).
 * @param flag - the option's name for errors.
 * @throws EvalOptionError naming `flag` for anything but a redis:// or rediss:// URL.
 */
export function parseQueueUrl(url: string, env: NodeJS.ProcessEnv = process.env, flag = '--queue'): QueueConnection {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new EvalOptionError(flag, 'expected redis://host:port[/db] or rediss://host:port[/db] (a password may be given as redis://:password@host:port or in REDIS_PASSWORD)');
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') {
    throw new EvalOptionError(flag, `expected a redis:// or rediss:// URL, got a ${u.protocol}// URL`);
  }
  if (u.hostname === '') throw new EvalOptionError(flag, 'the URL has no host');
  const port = u.port === '' ? 6379 : Number(u.port);
  const dbText = u.pathname.replace(/^\//, '');
  if (dbText !== '' && !/^\d{1,5}$/.test(dbText)) throw new EvalOptionError(flag, `the database must be a number (redis://host:port/0), got "/${dbText}"`);
  const db = dbText === '' ? 0 : Number(dbText);
  const password = u.password !== '' ? decodeURIComponent(u.password) : env.REDIS_PASSWORD;
  const username = u.username !== '' ? decodeURIComponent(u.username) : undefined;
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
  return {
    options: {
      host,
      port,
      db,
      ...(password ? { password } : {}),
      ...(username ? { username } : {}),
      ...(u.protocol === 'rediss:' ? { tls: { servername: host } } : {}),
      // BullMQ's workers block on Redis; every connection waits out a Redis restart instead of failing.
      maxRetriesPerRequest: null,
      retryStrategy: (times: number) => Math.min(100 * times, 2000),
    },
    display: `${u.protocol}//${u.hostname}:${port}/${db}`,
  };
}
