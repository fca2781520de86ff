/**
 * A tiny Hugging Face Hub look-alike on 127.0.0.1 for offline tests. It serves:
 *
 * - `GET /api/<type>s/<repo>/revision/<rev>` → `{ id, sha }`
 * - `GET /api/<type>s/<repo>/tree/<rev>/<path>?recursive=true` → tree entries, paginated with `Link`
 * - `HEAD|GET /<prefix><repo>/resolve/<rev>/<path>`: small files answer 200 with `ETag` = git sha1;
 *   LFS files answer 302 to a "CDN" URL on another origin (`localhost` instead of `127.0.0.1`)
 *   with `X-Linked-Etag` (sha256), `X-Linked-Size`, `X-Repo-Commit`, as the Hub does
 * - `GET /cdn/<sha256>`: the bytes, with Range support
 *
 * Faults can be injected per file: drop the connection half-way N times, serve different bytes.
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One file of a served repo. */
export interface ServedFile {
  content: Buffer;
  /** Served as an LFS file (redirect + sha256); default: true when larger than 1 kB. */
  lfs?: boolean;
}

/** One served repo. */
export interface ServedRepo {
  type: 'model' | 'dataset' | 'space';
  id: string;
  commit: string;
  files: Record<string, ServedFile>;
}

/** A request as the server saw it. */
export interface LoggedRequest {
  method: string;
  path: string;
  host: string;
  range?: string;
  authorization?: string;
}

/** Faults to inject, keyed by repo file path. */
export interface Faults {
  /** Close the socket after sending half the bytes, this many times. */
  dropHalfway?: Map<string, number>;
  /** Serve these bytes instead of the real content (same length → hash mismatch). */
  tamper?: Map<string, Buffer>;
}

/** A running server. */
export interface HubServer {
  /** Endpoint to use as `HF_ENDPOINT` (`http://127.0.0.1:<port>`). */
  url: string;
  requests: LoggedRequest[];
  faults: Required<Faults>;
  /** Token required on API/resolve requests when set. */
  requiredToken?: string;
  close(): Promise<void>;
}

/** sha256 hex of bytes. */
export function sha256(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}

/** Git blob sha1 of bytes. */
export function gitSha1(b: Buffer): string {
  return createHash('sha1').update(`blob ${b.length}\0`).update(b).digest('hex');
}

function isLfs(f: ServedFile): boolean {
  return f.lfs ?? f.content.length > 1024;
}

/** Starts the server on an ephemeral port of 127.0.0.1. */
export async function startHubServer(repos: ServedRepo[], opts: { pageSize?: number } = {}): Promise<HubServer> {
  const pageSize = opts.pageSize ?? 1000;
  const requests: LoggedRequest[] = [];
  const faults: Required<Faults> = { dropHalfway: new Map(), tamper: new Map() };
  const byBlob = new Map<string, { repo: ServedRepo; path: string; file: ServedFile }>();
  for (const repo of repos) for (const [p, f] of Object.entries(repo.files)) byBlob.set(sha256(f.content), { repo, path: p, file: f });

  let port = 0;
  const state: { requiredToken?: string } = {};

  const findRepo = (type: string, id: string): ServedRepo | undefined => repos.find((r) => r.type === type && r.id === id);
  const notFound = (res: http.ServerResponse, code: string, msg: string): void => {
    res.writeHead(404, { 'Content-Type': 'application/json', 'X-Error-Code': code, 'X-Error-Message': msg });
    res.end(JSON.stringify({ error: msg }));
  };

  const sendBytes = (req: http.IncomingMessage, res: http.ServerResponse, bytes: Buffer, key: string, extra: Record<string, string>): void => {
    let start = 0;
    let status = 200;
    const range = req.headers.range;
    const headers: Record<string, string> = { 'Accept-Ranges': 'bytes', 'Content-Type': 'application/octet-stream', ...extra };
    if (range) {
      const m = /^bytes=(\d+)-$/.exec(range);
      if (!m || Number(m[1]) >= bytes.length) {
        res.writeHead(416, { 'Content-Range': `bytes */${bytes.length}` });
        res.end();
        return;
      }
      start = Number(m[1]);
      status = 206;
      headers['Content-Range'] = `bytes ${start}-${bytes.length - 1}/${bytes.length}`;
    }
    const body = bytes.subarray(start);
    headers['Content-Length'] = String(body.length);
    res.writeHead(status, headers);
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    const drops = faults.dropHalfway.get(key) ?? 0;
    if (drops > 0) {
      faults.dropHalfway.set(key, drops - 1);
      const half = body.subarray(0, Math.floor(body.length / 2));
      res.write(half, () => setTimeout(() => res.socket?.destroy(), 20));
      return;
    }
    res.end(body);
  };

  const server = http.createServer((req, res) => {
    const u = new URL(req.url ?? '/', `http://${req.headers.host}`);
    const pathname = decodeURIComponent(u.pathname);
    requests.push({
      method: req.method ?? 'GET',
      path: u.pathname + u.search,
      host: req.headers.host ?? '',
      ...(req.headers.range ? { range: req.headers.range } : {}),
      ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
    });

    // CDN (another origin in the eyes of the client): no token check, as on the real Hub.
    const cdn = /^\/cdn\/([0-9a-f]{64})$/.exec(pathname);
    if (cdn) {
      const hit = byBlob.get(cdn[1]);
      if (!hit) return notFound(res, 'EntryNotFound', 'no such blob');
      const bytes = faults.tamper.get(hit.path) ?? hit.file.content;
      return sendBytes(req, res, bytes, hit.path, { ETag: `"${cdn[1]}"` });
    }

    if (state.requiredToken && req.headers.authorization !== `Bearer ${state.requiredToken}`) {
      res.writeHead(401, { 'X-Error-Code': 'RepoNotFound', 'X-Error-Message': 'Invalid credentials in Authorization header' });
      res.end();
      return;
    }

    const api = /^\/api\/(model|dataset|space)s\/([^/]+\/[^/]+)\/(revision|tree)\/([^/]+)(?:\/(.*))?$/.exec(pathname);
    if (api) {
      const [, type, id, kind, rev, sub = ''] = api;
      const repo = findRepo(type, id);
      if (!repo) return notFound(res, 'RepoNotFound', `Repository not found`);
      if (rev !== 'main' && rev !== repo.commit) return notFound(res, 'RevisionNotFound', `Invalid rev id: ${rev}`);
      if (kind === 'revision') {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ id: repo.id, sha: repo.commit }));
        return;
      }
      const recursive = u.searchParams.get('recursive') === 'true';
      const prefix = sub ? `${sub.replace(/\/$/, '')}/` : '';
      const dirs = new Set<string>();
      const entries: unknown[] = [];
      for (const [p, f] of Object.entries(repo.files).sort(([a], [b]) => a.localeCompare(b))) {
        if (!p.startsWith(prefix)) continue;
        const rest = p.slice(prefix.length);
        const segs = rest.split('/');
        for (let i = 1; i < segs.length; i++) {
          if (!recursive && i > 1) break;
          const d = prefix + segs.slice(0, i).join('/');
          if (!dirs.has(d)) {
            dirs.add(d);
            entries.push({ type: 'directory', oid: '0'.repeat(40), size: 0, path: d });
          }
        }
        if (!recursive && segs.length > 1) continue;
        entries.push({
          type: 'file',
          oid: gitSha1(f.content),
          size: f.content.length,
          path: p,
          ...(isLfs(f) ? { lfs: { oid: sha256(f.content), size: f.content.length, pointerSize: 130 } } : {}),
        });
      }
      if (prefix && entries.length === 0) return notFound(res, 'EntryNotFound', `${sub} does not exist`);
      const cursor = Number(u.searchParams.get('cursor') ?? 0);
      const page = entries.slice(cursor, cursor + pageSize);
      const headers: Record<string, string> = { 'Content-Type': 'application/json' };
      if (cursor + pageSize < entries.length) {
        const next = new URL(u.toString());
        next.searchParams.set('cursor', String(cursor + pageSize));
        headers.Link = `<${next.toString()}>; rel="next"`;
      }
      res.writeHead(200, headers);
      res.end(JSON.stringify(page));
      return;
    }

    const resolve = /^\/(?:(dataset|space)s\/)?([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(pathname);
    if (resolve) {
      const [, type = 'model', id, rev, file] = resolve;
      const repo = findRepo(type, id);
      if (!repo) return notFound(res, 'RepoNotFound', 'Repository not found');
      if (rev !== 'main' && rev !== repo.commit) return notFound(res, 'RevisionNotFound', `Invalid rev id: ${rev}`);
      const f = repo.files[file];
      if (!f) return notFound(res, 'EntryNotFound', `${file} does not exist on "${rev}"`);
      if (isLfs(f)) {
        const sha = sha256(f.content);
        res.writeHead(302, {
          Location: `http://localhost:${port}/cdn/${sha}`,
          ETag: `"${gitSha1(Buffer.from(`version https://git-lfs.github.com/spec/v1\noid sha256:${sha}\n`))}"`,
          'X-Linked-Etag': `"${sha}"`,
          'X-Linked-Size': String(f.content.length),
          'X-Repo-Commit': repo.commit,
          'Content-Length': '0',
        });
        res.end();
        return;
      }
      const bytes = faults.tamper.get(file) ?? f.content;
      return sendBytes(req, res, bytes, file, { ETag: `"${gitSha1(f.content)}"`, 'X-Repo-Commit': repo.commit });
    }

    res.writeHead(404, { 'Content-Type': 'text/plain' });
    res.end('not found');
  });

  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    faults,
    get requiredToken() {
      return state.requiredToken;
    },
    set requiredToken(t: string | undefined) {
      state.requiredToken = t;
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
