/**
 * HTTP plumbing for the Hub client: the token only goes to the endpoint's origin, redirects are
 * followed by hand (so `Authorization` never leaks to a CDN), Hub error answers become typed errors.
 */
import { HubHttpError, HubNotFoundError } from './errors.js';
import type { HubSettings } from './settings.js';

/** A `fetch`-compatible function (tests and proxies may inject their own). */
export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

/** Options of {@link hubFetch}. */
export interface HubFetchInit {
  method?: 'GET' | 'HEAD';
  headers?: Record<string, string>;
  /** `follow` (default): all redirects; `relative`: only same-origin ones (Python's HEAD behaviour). */
  redirects?: 'follow' | 'relative';
  signal?: AbortSignal;
  fetch?: FetchLike;
}

const MAX_REDIRECTS = 10;

/** Performs a request against the Hub; returns the final answer without checking its status. */
export async function hubFetch(settings: HubSettings, url: string, init: HubFetchInit = {}): Promise<Response> {
  const doFetch: FetchLike = init.fetch ?? ((u, i) => fetch(u, i));
  const endpointOrigin = new URL(settings.endpoint).origin;
  let current = url;
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    const headers: Record<string, string> = { 'User-Agent': 'persona-gen; hub-client', ...init.headers };
    if (settings.token && new URL(current).origin === endpointOrigin) headers.Authorization = `Bearer ${settings.token}`;
    const res = await doFetch(current, { method: init.method ?? 'GET', headers, redirect: 'manual', signal: init.signal });
    const location = res.headers.get('location');
    if (res.status >= 300 && res.status < 400 && location) {
      const next = new URL(location, current);
      const sameOrigin = next.origin === new URL(current).origin;
      if (init.redirects === 'relative' && !sameOrigin) return res;
      await res.body?.cancel().catch(() => {});
      current = next.toString();
      continue;
    }
    return res;
  }
  throw new Error(`too many redirects (more than ${MAX_REDIRECTS}) starting at ${url}`);
}

/** What was being fetched, for error messages. */
export interface RequestSubject {
  /** e.g. `dataset LongLaMP/LongLaMP` */
  repo: string;
  revision?: string;
  file?: string;
}

/** Turns a non-OK Hub answer into a {@link HubHttpError} / {@link HubNotFoundError} with a useful message. */
export async function hubErrorFromResponse(res: Response, url: string, subject: RequestSubject, settings: HubSettings): Promise<HubHttpError> {
  const code = res.headers.get('x-error-code') ?? undefined;
  let serverMessage = res.headers.get('x-error-message') ?? '';
  if (!serverMessage) {
    try {
      const text = await res.text();
      try {
        const parsed: unknown = JSON.parse(text);
        if (parsed && typeof parsed === 'object' && 'error' in parsed) serverMessage = String((parsed as { error: unknown }).error);
        else serverMessage = text.slice(0, 200);
      } catch {
        serverMessage = text.slice(0, 200);
      }
    } catch {
      // body unreadable: keep the status only
    }
  }
  const where = `${subject.repo}${subject.revision ? ` at revision "${subject.revision}"` : ''}`;
  const tail = serverMessage ? ` (server said: ${serverMessage.trim()})` : '';
  if (res.status === 404) {
    let msg: string;
    if (code === 'EntryNotFound' && subject.file) msg = `file "${subject.file}" not found in ${where} on ${settings.endpoint}`;
    else if (code === 'RevisionNotFound') msg = `revision "${subject.revision ?? 'main'}" not found in ${subject.repo} on ${settings.endpoint}`;
    else if (code === 'RepoNotFound')
      msg = `repository ${subject.repo} not found on ${settings.endpoint} (a private or gated repo needs HF_TOKEN)`;
    else msg = `not found: ${subject.file ? `"${subject.file}" in ` : ''}${where} on ${settings.endpoint}`;
    return new HubNotFoundError(`${msg} [HTTP 404 ${url}]${tail}`, 404, url, code);
  }
  if (res.status === 401 || res.status === 403) {
    const hint = settings.token
      ? 'the token in HF_TOKEN has no access to it (gated repos need their terms accepted on the Hub page)'
      : 'set HF_TOKEN to an access token that can read it';
    return new HubHttpError(`access to ${where} denied (HTTP ${res.status} ${url}): ${hint}${tail}`, res.status, url, code);
  }
  return new HubHttpError(`HTTP ${res.status} from ${url} while fetching ${subject.file ?? where}${tail}`, res.status, url, code);
}

/** True for answers worth retrying (server errors and rate limits). */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || status >= 500;
}

/** Parses the `next` URL out of a `Link` header (Hub pagination). */
export function nextLink(header: string | null): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(',')) {
    const m = /<([^>]+)>\s*;\s*rel="?next"?/.exec(part.trim());
    if (m) return m[1];
  }
  return undefined;
}

/** Describes a thrown fetch error with its cause (undici hides the useful part in `cause`). */
export function describeNetworkError(err: unknown): string {
  if (err instanceof Error) {
    const cause = (err as Error & { cause?: unknown }).cause;
    const causeText = cause instanceof Error ? cause.message : cause !== undefined ? String(cause) : '';
    return causeText && !err.message.includes(causeText) ? `${err.message}: ${causeText}` : err.message;
  }
  return String(err);
}
