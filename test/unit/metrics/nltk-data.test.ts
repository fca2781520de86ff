import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import path from 'node:path';
import { zipSync, strToU8 } from 'fflate';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  NLTK_DATA_URL_ENV,
  downloadPunktTab,
  findPunktTab,
  loadPunktParameters,
  nltkDataPaths,
  readPunktTab,
  resetMissingPunktWarning,
  resolvePunktParameters,
  warnMissingPunktOnce,
} from '../../../lib/metrics/nltk-data.js';
import { createMeteorScorer } from '../../../lib/metrics/meteor.js';

const FILES = {
  'abbrev_types.txt': 'mr\ndr\n',
  'collocations.tab': 's\tbach\n',
  'sent_starters.txt': 'however\n',
  'ortho_context.tab': 'smith\t6\nhe\t52\n',
};

function punktZip(extra: Record<string, Uint8Array> = {}): Uint8Array {
  const entries: Record<string, Uint8Array> = { 'punkt_tab/README': strToU8('test model\n') };
  for (const [name, text] of Object.entries(FILES)) entries[`punkt_tab/english/${name}`] = strToU8(text);
  return zipSync({ ...entries, ...extra });
}

const tmpRoots: string[] = [];
function tmp(prefix: string): string {
  const d = mkdtempSync(path.join(tmpdir(), prefix));
  tmpRoots.push(d);
  return d;
}
afterAll(() => {
  for (const d of tmpRoots) rmSync(d, { recursive: true, force: true });
});

describe('nltkDataPaths (nltk.data.path)', () => {
  it('puts NLTK_DATA entries first, then ~/nltk_data, prefixes and system folders', () => {
    const paths = nltkDataPaths({ NLTK_DATA: '/a::/b', VIRTUAL_ENV: '/venv' }, 'linux');
    expect(paths.slice(0, 3)).toEqual(['/a', '/b', path.join(homedir(), 'nltk_data')]);
    expect(paths).toContain('/venv/share/nltk_data');
    expect(paths.slice(-4)).toEqual(['/usr/share/nltk_data', '/usr/local/share/nltk_data', '/usr/lib/nltk_data', '/usr/local/lib/nltk_data']);
    expect(paths.indexOf('/venv/nltk_data')).toBeLessThan(paths.indexOf('/usr/share/nltk_data'));
  });

  it('splits NLTK_DATA on ";" on Windows', () => {
    const paths = nltkDataPaths({ NLTK_DATA: 'C:\\a;D:\\b', APPDATA: 'C:\\Users\\u\\AppData' }, 'win32');
    expect(paths.slice(0, 2)).toEqual(['C:\\a', 'D:\\b']);
    expect(paths).toContain('C:\\nltk_data');
  });
});

describe('finding and reading punkt_tab', () => {
  it('prefers a directory in any path over a zip, and reads a zip like nltk.data.find does', () => {
    const withZip = tmp('pg-nd-zip-');
    mkdirSync(path.join(withZip, 'tokenizers'), { recursive: true });
    writeFileSync(path.join(withZip, 'tokenizers', 'punkt_tab.zip'), punktZip());
    const withDir = tmp('pg-nd-dir-');
    const dir = path.join(withDir, 'tokenizers', 'punkt_tab', 'english');
    mkdirSync(dir, { recursive: true });
    for (const [name, text] of Object.entries(FILES)) writeFileSync(path.join(dir, name), text);

    expect(findPunktTab([withZip, withDir])).toEqual({ kind: 'directory', path: dir });
    const zipLoc = findPunktTab([withZip]);
    expect(zipLoc).toEqual({ kind: 'zip', path: path.join(withZip, 'tokenizers', 'punkt_tab.zip'), entryPrefix: 'punkt_tab/english/' });
    const fromZip = readPunktTab(zipLoc!);
    const fromDir = readPunktTab({ kind: 'directory', path: dir });
    expect([...fromZip.abbrevTypes]).toEqual(['mr', 'dr']);
    expect(fromZip.orthoContext.get('he')).toBe(52);
    expect(fromDir).toEqual(fromZip);
    expect(findPunktTab([tmp('pg-nd-none-')])).toBeUndefined();
  });

  it('names a missing file', () => {
    const root = tmp('pg-nd-partial-');
    const dir = path.join(root, 'tokenizers', 'punkt_tab', 'english');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'abbrev_types.txt'), 'mr\n');
    expect(() => loadPunktParameters({ nltkData: root, defaultPaths: false })).toThrow('missing file collocations.tab');
  });

  it('falls back to the empty model and warns once on stderr', async () => {
    resetMissingPunktWarning();
    const write = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const empty = tmp('pg-nd-empty-');
      const a = await resolvePunktParameters({ nltkData: empty, defaultPaths: false });
      const b = await resolvePunktParameters({ nltkData: empty, defaultPaths: false });
      expect(a.location).toBeUndefined();
      expect(a.params.abbrevTypes.size).toBe(0);
      expect(b.params.orthoContext.size).toBe(0);
      expect(write).toHaveBeenCalledTimes(1);
      expect(String(write.mock.calls[0]?.[0])).toContain('METEOR may differ slightly');
      warnMissingPunktOnce();
      expect(write).toHaveBeenCalledTimes(1);
    } finally {
      write.mockRestore();
    }
  });
});

describe('downloadPunktTab against a local server', () => {
  let server: Server;
  let base = '';
  const requests: string[] = [];
  const bodies: Record<string, Uint8Array> = {
    '/nltk/packages/tokenizers/punkt_tab.zip': punktZip(),
    '/evil/packages/tokenizers/punkt_tab.zip': punktZip({ '../../escape.txt': strToU8('x') }),
    '/junk/packages/tokenizers/punkt_tab.zip': strToU8('not a zip'),
  };

  beforeAll(async () => {
    server = createServer((req, res) => {
      requests.push(req.url ?? '');
      const body = bodies[req.url ?? ''];
      if (!body) {
        res.writeHead(404).end('not found');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/zip' }).end(Buffer.from(body));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('fetches packages/tokenizers/punkt_tab.zip from the env base URL and unzips it under tokenizers/', async () => {
    const root = tmp('pg-nd-dl-');
    const got = await downloadPunktTab({ downloadDir: root, env: { [NLTK_DATA_URL_ENV]: `${base}/nltk` } });
    expect(got).toBe(root);
    expect(requests).toContain('/nltk/packages/tokenizers/punkt_tab.zip');
    expect(readFileSync(path.join(root, 'tokenizers', 'punkt_tab', 'english', 'collocations.tab'), 'utf8')).toBe('s\tbach\n');
    expect(existsSync(path.join(root, 'tokenizers', 'punkt_tab.zip'))).toBe(true);
    const loaded = loadPunktParameters({ nltkData: root, defaultPaths: false });
    expect(loaded?.params.collocations.has('s\tbach')).toBe(true);

    // Already installed: no second request unless forced.
    const before = requests.length;
    await downloadPunktTab({ downloadDir: root, baseUrl: `${base}/nltk/` });
    expect(requests.length).toBe(before);
  });

  it('resolvePunktParameters can download on demand, and the scorer then uses the model', async () => {
    const root = tmp('pg-nd-resolve-');
    const r = await resolvePunktParameters({
      nltkData: tmp('pg-nd-empty2-'),
      defaultPaths: false,
      download: true,
      downloadDir: root,
      env: { [NLTK_DATA_URL_ENV]: `${base}/nltk/` },
    });
    expect(r.location).toEqual({ kind: 'directory', path: path.join(root, 'tokenizers', 'punkt_tab', 'english') });
    expect(r.params.abbrevTypes.has('mr')).toBe(true);
    const scorer = await createMeteorScorer({ nltkData: root, env: {} });
    expect(scorer.score('Mr. Smith left.', 'Mr. Smith left.')).toBe(1 - 0.5 / 64);
  });

  it('reports HTTP errors, invalid archives and unsafe entries', async () => {
    await expect(downloadPunktTab({ downloadDir: tmp('pg-nd-404-'), baseUrl: `${base}/missing` })).rejects.toThrow(
      /punkt_tab\.zip answered HTTP 404/,
    );
    await expect(downloadPunktTab({ downloadDir: tmp('pg-nd-junk-'), baseUrl: `${base}/junk` })).rejects.toThrow(
      'is not a valid zip archive',
    );
    const evilRoot = tmp('pg-nd-evil-');
    await expect(downloadPunktTab({ downloadDir: evilRoot, baseUrl: `${base}/evil` })).rejects.toThrow(
      'refusing archive entry outside',
    );
    expect(existsSync(path.join(evilRoot, 'escape.txt'))).toBe(false);
  });
});
