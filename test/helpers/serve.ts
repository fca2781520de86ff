/**
 * Helpers of the server tests: a keys file with two tenants, settings of a small server on
 * the tiny model, raw HTTP calls, and an SSE reader.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import type { ServeSettings } from '../../lib/server/start.js';
import { storiesModel } from './shared.js';

/** Keys of the test servers. */
export const KEYS = { admin: 'sk-admin-0001', acme: 'sk-acme-0001', rival: 'sk-rival-0001' } as const;

/** A fresh folder with a keys file (tenants `acme` and `rival`) and a database path. */
export function serverFolder(): { dir: string; keysFile: string; db: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'serve-'));
  const keysFile = path.join(dir, 'keys.json');
  writeFileSync(keysFile, JSON.stringify({ keys: [{ key: KEYS.acme, tenant: 'acme' }, { key: KEYS.rival, tenant: 'rival' }] }));
  return { dir, keysFile, db: path.join(dir, 'profiles.db') };
}

/** Settings of a server on stories260K in the native space (context 256, 1 thread). */
export function tinyServerSettings(folder: { keysFile: string; db: string }, overrides: Partial<ServeSettings> = {}): ServeSettings {
  return {
    model: storiesModel,
    space: 'native',
    host: '127.0.0.1',
    port: 0,
    db: folder.db,
    parallel: 4,
    threads: 1,
    contextSize: 256,
    apiKey: KEYS.admin,
    keysFile: folder.keysFile,
    bodyLimit: 1024 * 1024,
    limits: { maxTokens: 200, defaultMaxTokens: 32, maxPromptTokens: 200 },
    profileLimits: { maxItems: 50, maxItemChars: 20_000 },
    ...overrides,
  };
}

/** An HTTP answer: status and parsed JSON (or text). */
export interface Answer {
  status: number;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  text: string;
}

/** Calls the server with a key (or none) and a JSON (or raw) body. */
export async function call(
  base: string,
  method: string,
  route: string,
  opts: { key?: string; json?: unknown; raw?: string | Uint8Array; contentType?: string } = {},
): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (opts.key) headers.authorization = `Bearer ${opts.key}`;
  let body: string | Uint8Array | undefined;
  if (opts.json !== undefined) body = JSON.stringify(opts.json);
  else if (opts.raw !== undefined) body = opts.raw;
  if (body !== undefined) headers['content-type'] = opts.contentType ?? 'application/json';
  const res = await fetch(base + route, { method, headers, body: body as unknown as BodyInit | undefined });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: res.status, body: parsed, text };
}

/** The `data:` payloads of an SSE stream, in order (`[DONE]` included as a string). */
export async function readEvents(res: Response): Promise<unknown[]> {
  const text = await res.text();
  return text
    .split('\n\n')
    .filter((e) => e.startsWith('data: '))
    .map((e) => e.slice(6))
    .map((d) => (d === '[DONE]' ? d : JSON.parse(d)));
}
