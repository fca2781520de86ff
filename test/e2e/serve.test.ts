/**
 * `persona-gen serve` as a process: it binds 127.0.0.1 unless told otherwise; SIGTERM stops
 * accepting, finishes the running and queued requests, then exits 0; SIGKILLs while profiles
 * are being written leave a readable database holding every acknowledged write; and the
 * playground, driven in headless Chromium, streams a baseline and a personalized output that
 * differ at a large beta; `--model hf:...` fetches the model from a Hub (a local look-alike).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import path from 'node:path';

import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';

import { startHubServer } from '../helpers/hub-server.js';
import { KEYS, call, readEvents, serverFolder } from '../helpers/serve.js';
import { hasStoriesModel, repoRoot, storiesGreedyReference, storiesModel } from '../helpers/shared.js';

const CHROMIUM = '/usr/bin/chromium';
const cli = path.join(repoRoot, 'dist', 'cli.js');

interface Spawned {
  child: ChildProcess;
  url: string;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

/** Starts the CLI (on the tiny model unless `opts.model`) and resolves once it prints where it listens. */
async function serve(args: string[], opts: { model?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Spawned> {
  const child = spawn(process.execPath, [cli, 'serve', '--model', opts.model ?? storiesModel, '--space', 'native', '--port', '0', '--threads', '1', ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, ...opts.env },
  });
  children.push(child);
  let err = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (d: string) => {
      err += d;
      const m = /listening on (http:\/\/\S+)/.exec(err);
      if (m) resolve(m[1]!);
    });
    void exited.then(({ code }) => reject(new Error(`serve exited with ${code} before listening: ${err}`)));
  });
  return { child, url, stderr: () => err, exited };
}

/** Whether a TCP connection to host:port is refused. */
function refused(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host, port });
    s.on('connect', () => {
      s.destroy();
      resolve(false);
    });
    s.on('error', () => resolve(true));
  });
}

describe.skipIf(!hasStoriesModel)('persona-gen serve (process)', () => {
  it('binds 127.0.0.1 by default and nothing else', async () => {
    const f = serverFolder();
    const s = await serve(['--db', f.db, '--context-size', '256']);
    const url = new URL(s.url);
    expect(url.hostname).toBe('127.0.0.1');
    expect((await call(s.url, 'GET', '/health')).status).toBe(200);
    const external = Object.values(networkInterfaces())
      .flat()
      .find((i) => i && i.family === 'IPv4' && !i.internal);
    if (external) expect(await refused(external.address, Number(url.port))).toBe(true);
    else console.warn('[serve test] no non-loopback IPv4 interface: the "nothing else" half is not checked');
    expect(s.stderr()).toContain('no API key: open to anyone who can connect');
    s.child.kill('SIGTERM');
    expect(await s.exited).toEqual({ code: 0, signal: null });
  });

  it('--model hf:<repo>/<file> downloads the model into the Hub cache, then serves it under its file name', async () => {
    const hub = await startHubServer([{ type: 'model', id: 'tiny/stories', commit: 'c'.repeat(40), files: { 'stories260K.gguf': { content: readFileSync(storiesModel) } } }]);
    try {
      const f = serverFolder();
      const cache = path.join(f.dir, 'hub-cache');
      const s = await serve(['--db', f.db, '--context-size', '256'], {
        model: 'hf:tiny/stories/stories260K.gguf',
        env: { HF_HUB_OFFLINE: '0', HF_ENDPOINT: hub.url, HF_HUB_CACHE: cache },
      });
      expect((await call(s.url, 'GET', '/v1/models')).body.data[0].id).toBe('stories260K');
      const r = await call(s.url, 'POST', '/v1/completions', { json: { model: 'stories260K', prompt: 'Once upon a time', max_tokens: 24, temperature: 0 } });
      expect(storiesGreedyReference.startsWith(r.body.choices[0].text)).toBe(true);
      expect(r.body.choices[0].text.length).toBeGreaterThan(40);
      expect(existsSync(path.join(cache, 'models--tiny--stories', 'snapshots', 'c'.repeat(40), 'stories260K.gguf'))).toBe(true);
      s.child.kill('SIGTERM');
      expect(await s.exited).toEqual({ code: 0, signal: null });
    } finally {
      await hub.close();
    }
  });

  it('SIGTERM: refuses new connections, finishes the running and queued requests, then exits 0', async () => {
    const f = serverFolder();
    const s = await serve(['--db', f.db, '--context-size', '512', '--parallel', '1', '--api-key', KEYS.admin]);
    const port = Number(new URL(s.url).port);
    const body = { model: 'stories260K', prompt: 'Once upon a time', max_tokens: 400, temperature: 0, stream: true, stream_options: { include_usage: true } };
    const responses = await Promise.all(
      [0, 1, 2].map(() =>
        fetch(`${s.url}/v1/completions`, { method: 'POST', headers: { authorization: `Bearer ${KEYS.admin}`, 'content-type': 'application/json' }, body: JSON.stringify(body) }),
      ),
    );
    // All three are accepted (200 and SSE headers); one runs, two wait for the single slot.
    const events = responses.map((r) => readEvents(r));
    s.child.kill('SIGTERM');
    // Once it has taken the signal, new connections are refused while the requests still run.
    const deadline = Date.now() + 10_000;
    while (!/SIGTERM: no new connections/.test(s.stderr()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    let isRefused = false;
    while (!isRefused && s.child.exitCode === null && Date.now() < deadline) {
      isRefused = await refused('127.0.0.1', port);
      if (!isRefused) await new Promise((r) => setTimeout(r, 20));
    }
    const stillRunning = s.child.exitCode === null;
    expect(isRefused).toBe(true);
    const all = await Promise.all(events);
    for (const ev of all) {
      expect(ev.at(-1)).toBe('[DONE]');
      const usage = (ev.at(-2) as { usage: { completion_tokens: number } }).usage;
      const finish = (ev.at(-3) as { choices: { finish_reason: string }[] }).choices[0]!.finish_reason;
      expect(['length', 'stop']).toContain(finish);
      expect(usage.completion_tokens).toBeGreaterThan(0);
    }
    expect(await s.exited).toEqual({ code: 0, signal: null });
    expect(s.stderr()).toMatch(/SIGTERM: no new connections; finishing 3 request/);
    expect(s.stderr()).toContain('persona-gen serve: stopped');
    expect(stillRunning, 'the server had exited before the test could check that it refused connections').toBe(true);
  });

  it('SIGKILL while profiles are written: the database opens and holds every acknowledged write', async () => {
    const f = serverFolder();
    const acked = new Map<string, string[]>();
    for (let round = 0; round < 3; round++) {
      const s = await serve(['--db', f.db, '--context-size', '256', '--keys-file', f.keysFile]);
      let stop = false;
      let n = 0;
      const writer = async (w: number) => {
        while (!stop) {
          const id = `r${round}-w${w}-${n++}`;
          const texts = [`profile ${id} about a dog and a cat`, `second text of ${id}`];
          try {
            const a = await call(s.url, 'PUT', `/v1/users/${id}/profile`, { key: KEYS.acme, json: { texts } });
            if (a.status === 201) acked.set(id, texts);
          } catch {
            return; // the server is gone
          }
        }
      };
      const writers = [0, 1, 2, 3].map(writer);
      await new Promise((r) => setTimeout(r, 300 + 200 * round));
      s.child.kill('SIGKILL');
      await s.exited;
      stop = true;
      await Promise.all(writers);
      const db = new Database(f.db);
      try {
        expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
        const rows = db.prepare<[], { user_id: string }>("SELECT user_id FROM profiles WHERE tenant = 'acme'").all();
        const have = new Set(rows.map((r) => r.user_id));
        for (const [id, texts] of acked) {
          expect(have.has(id), `acknowledged write ${id} is missing after SIGKILL round ${round}`).toBe(true);
          const stored = db.prepare<[string], { text: string }>("SELECT text FROM profile_texts WHERE tenant = 'acme' AND user_id = ? ORDER BY position").all(id);
          expect(stored.map((r) => r.text)).toEqual(texts);
          expect(db.prepare<[string], { n: number }>("SELECT count(*) AS n FROM profile_vectors WHERE tenant = 'acme' AND user_id = ?").get(id)!.n).toBe(1);
        }
      } finally {
        db.close();
      }
    }
    expect(acked.size).toBeGreaterThan(10);
  });

  describe.skipIf(!existsSync(CHROMIUM))('playground (needs /usr/bin/chromium)', () => {
    it('streams the baseline and the personalized output side by side; they differ at a large beta', async () => {
      const f = serverFolder();
      const s = await serve(['--db', f.db, '--context-size', '256', '--api-key', KEYS.admin]);
      const { chromium } = await import('playwright-core');
      const browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      });
      try {
        const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
        const offsite: string[] = [];
        page.on('request', (req) => {
          if (!req.url().startsWith(s.url)) offsite.push(req.url());
        });
        await page.goto(`${s.url}/`);
        await page.fill('#apiKey', KEYS.admin);
        await page.click('#connect');
        await page.waitForFunction(() => document.getElementById('modelName')!.textContent === 'stories260K');
        await page.fill('#newUser', 'pat');
        await page.fill('#profileTexts', 'The dog ran to the park with his red ball.\n\nMax the dog likes to bark and dig in the garden.');
        await page.click('#saveProfile');
        await page.waitForFunction(() => /saved profile of pat/.test(document.getElementById('status')!.textContent ?? ''));
        expect(await page.$$eval('#favoured span', (els) => els.length)).toBe(16);
        expect(await page.$eval('#userSelect', (el) => (el as HTMLSelectElement).value)).toBe('pat');
        await page.$eval('#beta', (el) => {
          (el as HTMLInputElement).value = '20';
          el.dispatchEvent(new Event('input'));
        });
        await page.fill('#maxTokens', '48');
        await page.click('#generate');
        await page.waitForFunction(() => document.getElementById('baseline')!.dataset.done === '1' && document.getElementById('personalized')!.dataset.done === '1', undefined, { timeout: 60_000 });
        const baseline = await page.textContent('#baseline');
        const personalized = await page.textContent('#personalized');
        expect(baseline!.length).toBeGreaterThan(20);
        expect(personalized!.length).toBeGreaterThan(20);
        expect(personalized).not.toBe(baseline);
        expect(await page.textContent('#personalizedMeta')).toContain('bias applied');
        expect(await page.textContent('#baselineMeta')).toContain('no bias (no user)');
        expect(await page.textContent('#personalizedLabel')).toBe('beta 20');
        expect(offsite).toEqual([]);
        await page.screenshot({ path: path.join(process.env.PLAYGROUND_SCREENSHOT_DIR ?? tmpdir(), 'playground.png'), fullPage: true });
      } finally {
        await browser.close();
        s.child.kill('SIGTERM');
        await s.exited;
      }
    });
  });
});
