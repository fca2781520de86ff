/**
 * Hub settings read from the environment the way Python's `huggingface_hub` reads them:
 * `HF_ENDPOINT`, `HF_TOKEN`, `HF_HOME`, `HF_HUB_CACHE` (and the legacy `HUGGINGFACE_HUB_CACHE`),
 * `HF_HUB_OFFLINE`, `HF_HUB_DOWNLOAD_TIMEOUT`.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Public Hub address used when `HF_ENDPOINT` is not set. */
export const DEFAULT_HUB_ENDPOINT = 'https://huggingface.co';

/** Effective Hub settings for one call. */
export interface HubSettings {
  /** Base URL without a trailing slash, e.g. `https://huggingface.co`. */
  endpoint: string;
  /** Access token sent as `Authorization: Bearer` to the endpoint, if any. */
  token: string | undefined;
  /** Cache root in the standard layout (`<cacheDir>/datasets--owner--name/...`). */
  cacheDir: string;
  /** When true no HTTP request is made; only the cache is used. */
  offline: boolean;
  /** Seconds without any received byte before a request is aborted and retried. */
  timeoutSeconds: number;
}

/** Per-call overrides of the environment; unset fields fall back to the environment. */
export interface HubSettingsOverrides {
  endpoint?: string;
  token?: string;
  cacheDir?: string;
  offline?: boolean;
  timeoutSeconds?: number;
}

type Env = Record<string, string | undefined>;

function expandHome(p: string): string {
  if (p === '~') return os.homedir();
  if (p.startsWith('~/')) return path.join(os.homedir(), p.slice(2));
  return p;
}

/** True for the values Python's huggingface_hub treats as true (`1`, `ON`, `YES`, `TRUE`). */
export function isTruthyEnv(value: string | undefined): boolean {
  return value !== undefined && ['1', 'ON', 'YES', 'TRUE'].includes(value.trim().toUpperCase());
}

/** `$HF_HOME`, else `$XDG_CACHE_HOME/huggingface`, else `~/.cache/huggingface`. */
export function hfHomeDir(env: Env = process.env): string {
  if (env.HF_HOME) return path.resolve(expandHome(env.HF_HOME));
  const xdg = env.XDG_CACHE_HOME ? expandHome(env.XDG_CACHE_HOME) : path.join(os.homedir(), '.cache');
  return path.resolve(xdg, 'huggingface');
}

/** `$HF_HUB_CACHE`, else `$HUGGINGFACE_HUB_CACHE`, else `<HF_HOME>/hub`. */
export function hubCacheDir(env: Env = process.env): string {
  const explicit = env.HF_HUB_CACHE ?? env.HUGGINGFACE_HUB_CACHE;
  if (explicit) return path.resolve(expandHome(explicit));
  return path.join(hfHomeDir(env), 'hub');
}

/** The token `hf auth login` stores: `$HF_TOKEN_PATH`, else `<HF_HOME>/token`; undefined when absent. */
export function storedToken(env: Env = process.env): string | undefined {
  const file = env.HF_TOKEN_PATH ? path.resolve(expandHome(env.HF_TOKEN_PATH)) : path.join(hfHomeDir(env), 'token');
  try {
    return readFileSync(file, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

/** Resolves the settings for a call: explicit overrides first, then the environment, then defaults. */
export function hubSettings(overrides: HubSettingsOverrides = {}, env: Env = process.env): HubSettings {
  const endpoint = (overrides.endpoint ?? env.HF_ENDPOINT ?? DEFAULT_HUB_ENDPOINT).replace(/\/+$/, '');
  try {
    const u = new URL(endpoint);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('protocol');
  } catch {
    throw new Error(`HF_ENDPOINT must be an http(s) URL, got "${endpoint}"`);
  }
  const token = overrides.token ?? (env.HF_TOKEN ? env.HF_TOKEN.trim() : storedToken(env));
  const timeoutEnv = Number(env.HF_HUB_DOWNLOAD_TIMEOUT);
  return {
    endpoint,
    token: token || undefined,
    cacheDir: overrides.cacheDir ? path.resolve(expandHome(overrides.cacheDir)) : hubCacheDir(env),
    offline: overrides.offline ?? isTruthyEnv(env.HF_HUB_OFFLINE),
    timeoutSeconds: overrides.timeoutSeconds ?? (Number.isFinite(timeoutEnv) && timeoutEnv > 0 ? timeoutEnv : 30),
  };
}
