/**
 * Locating, loading and downloading NLTK's `punkt_tab` sentence-splitter parameters the way
 * NLTK 3.10 does: `nltk.data.path` search order (`NLTK_DATA`, `~/nltk_data`, prefix and system
 * locations), the `tokenizers/punkt_tab/<language>/` directory or the `tokenizers/punkt_tab.zip`
 * archive, and a fetch-and-unzip equivalent of `nltk.download('punkt_tab')`.
 *
 * @module
 */

import { accessSync, constants as fsConstants, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { unzipSync } from 'fflate';
import { emptyPunktParameters, parsePunktTab, type PunktParameters, type PunktTabTexts } from './punkt.js';

/** NLTK's data server (the `gh-pages` branch of `nltk/nltk_data`). */
export const DEFAULT_NLTK_DATA_URL = 'https://raw.githubusercontent.com/nltk/nltk_data/gh-pages/';

/** Environment variable that overrides {@link DEFAULT_NLTK_DATA_URL} (tests, mirrors). */
export const NLTK_DATA_URL_ENV = 'PERSONA_GEN_NLTK_DATA_URL';

/** The four files of a `punkt_tab` language directory, keyed by {@link PunktTabTexts} field. */
const PUNKT_TAB_FILES: ReadonlyArray<readonly [keyof PunktTabTexts, string]> = [
  ['abbrevTypes', 'abbrev_types.txt'],
  ['collocations', 'collocations.tab'],
  ['sentStarters', 'sent_starters.txt'],
  ['orthoContext', 'ortho_context.tab'],
];

/**
 * NLTK's default `nltk.data.path`: every non-empty `NLTK_DATA` entry (split on the platform path
 * delimiter), `~/nltk_data`, then the prefix and system locations.
 *
 * @param env - Environment to read (`NLTK_DATA`, `VIRTUAL_ENV`, `CONDA_PREFIX`, `APPDATA`).
 * @param platform - `process.platform` by default.
 */
export function nltkDataPaths(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string[] {
  const delimiter = platform === 'win32' ? ';' : ':';
  const paths = (env.NLTK_DATA ?? '').split(delimiter).filter((p) => p.length > 0);
  const home = safeHomedir();
  if (home) paths.push(path.join(home, 'nltk_data'));
  // Python's sys.prefix has no equivalent here: use the active virtual/conda environment, if any.
  const prefixes = [env.VIRTUAL_ENV, env.CONDA_PREFIX].filter((p): p is string => !!p);
  if (platform === 'win32') {
    for (const prefix of prefixes) {
      paths.push(path.join(prefix, 'nltk_data'), path.join(prefix, 'share', 'nltk_data'), path.join(prefix, 'lib', 'nltk_data'));
    }
    paths.push(path.join(env.APPDATA ?? 'C:\\', 'nltk_data'), 'C:\\nltk_data', 'D:\\nltk_data', 'E:\\nltk_data');
  } else {
    for (const prefix of prefixes) {
      paths.push(path.join(prefix, 'nltk_data'), path.join(prefix, 'share', 'nltk_data'), path.join(prefix, 'lib', 'nltk_data'));
    }
    paths.push('/usr/share/nltk_data', '/usr/local/share/nltk_data', '/usr/lib/nltk_data', '/usr/local/lib/nltk_data');
  }
  return [...new Set(paths)];
}

function safeHomedir(): string | undefined {
  try {
    const h = homedir();
    return h.length > 0 ? h : undefined;
  } catch {
    return undefined;
  }
}

function isDirectory(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

/** Where `punkt_tab` parameters for one language were found. */
export type PunktTabLocation =
  | { readonly kind: 'directory'; readonly path: string }
  | { readonly kind: 'zip'; readonly path: string; readonly entryPrefix: string };

/**
 * `nltk.data.find('tokenizers/punkt_tab/<language>/')`: the language directory in the first data
 * path that has it, else the `tokenizers/punkt_tab.zip` archive of the first path that has one.
 *
 * @param paths - Data roots to search, in order (default {@link nltkDataPaths}).
 * @param language - Punkt model name (default `english`).
 */
export function findPunktTab(paths: readonly string[] = nltkDataPaths(), language = 'english'): PunktTabLocation | undefined {
  for (const root of paths) {
    const dir = path.join(root, 'tokenizers', 'punkt_tab', language);
    if (isDirectory(dir)) return { kind: 'directory', path: dir };
  }
  for (const root of paths) {
    const zip = path.join(root, 'tokenizers', 'punkt_tab.zip');
    if (isFile(zip)) return { kind: 'zip', path: zip, entryPrefix: `punkt_tab/${language}/` };
  }
  return undefined;
}

/** Human-readable form of a {@link PunktTabLocation}. */
export function describePunktTabLocation(location: PunktTabLocation): string {
  return location.kind === 'directory' ? location.path : `${location.path}/${location.entryPrefix}`;
}

/**
 * Reads and parses the parameters at `location` (NLTK's `load_punkt_params`).
 *
 * @throws Error naming the missing file or malformed line.
 */
export function readPunktTab(location: PunktTabLocation): PunktParameters {
  const where = describePunktTabLocation(location);
  const texts: Partial<Record<keyof PunktTabTexts, string>> = {};
  if (location.kind === 'directory') {
    for (const [key, name] of PUNKT_TAB_FILES) {
      const file = path.join(location.path, name);
      if (!isFile(file)) throw new Error(`punkt_tab parameters at ${where}: missing file ${name} (expected ${file})`);
      texts[key] = readFileSync(file, 'utf8');
    }
  } else {
    const wanted = new Set(PUNKT_TAB_FILES.map(([, name]) => location.entryPrefix + name));
    const entries = unzipSync(new Uint8Array(readFileSync(location.path)), { filter: (f) => wanted.has(f.name) });
    const decoder = new TextDecoder('utf-8');
    for (const [key, name] of PUNKT_TAB_FILES) {
      const data = entries[location.entryPrefix + name];
      if (!data) throw new Error(`punkt_tab parameters at ${where}: the archive has no entry ${location.entryPrefix}${name}`);
      texts[key] = decoder.decode(data);
    }
  }
  return parsePunktTab(texts as PunktTabTexts, where);
}

/** Parameters found by {@link loadPunktParameters}. */
export interface LoadedPunktParameters {
  /** The model. */
  readonly params: PunktParameters;
  /** Where it came from. */
  readonly location: PunktTabLocation;
}

/** Options shared by the loaders. */
export interface PunktDataOptions {
  /** Data roots searched before the defaults (like entries prepended to `nltk.data.path`). */
  readonly nltkData?: string | readonly string[];
  /** Punkt model name (default `english`). */
  readonly language?: string;
  /** Environment (default `process.env`). */
  readonly env?: NodeJS.ProcessEnv;
  /** Also search NLTK's default locations after `nltkData` (default true). */
  readonly defaultPaths?: boolean;
}

function searchPaths(options: PunktDataOptions): string[] {
  const extra = options.nltkData === undefined ? [] : typeof options.nltkData === 'string' ? [options.nltkData] : [...options.nltkData];
  return options.defaultPaths === false ? extra : [...extra, ...nltkDataPaths(options.env ?? process.env)];
}

/** Finds and reads `punkt_tab` parameters; undefined when none are installed. */
export function loadPunktParameters(options: PunktDataOptions = {}): LoadedPunktParameters | undefined {
  const location = findPunktTab(searchPaths(options), options.language ?? 'english');
  return location ? { params: readPunktTab(location), location } : undefined;
}

let warnedMissing = false;

/** Re-arms {@link warnMissingPunktOnce} (for tests). */
export function resetMissingPunktWarning(): void {
  warnedMissing = false;
}

/** Prints, once per process, that METEOR runs without Punkt parameters. */
export function warnMissingPunktOnce(write: (message: string) => void = (m) => process.stderr.write(m)): void {
  if (warnedMissing) return;
  warnedMissing = true;
  write(
    "persona-gen: NLTK punkt_tab parameters not found (searched NLTK_DATA, ~/nltk_data and the system nltk_data folders); " +
      "sentence splitting uses an empty Punkt model, so METEOR may differ slightly from NLTK's. " +
      "Install them with `python -m nltk.downloader punkt_tab` or downloadPunktTab().\n",
  );
}

/**
 * Punkt parameters for METEOR: the installed `punkt_tab` model, or (when absent) optionally a
 * download, else the empty model with a one-time warning on stderr.
 */
export async function resolvePunktParameters(
  options: PunktDataOptions & {
    /** Download `punkt_tab` when it is not found (default false). */
    readonly download?: boolean;
    /** Where to download to (default {@link defaultDownloadDir}). */
    readonly downloadDir?: string;
    /** Warn on stderr (once per process) when falling back to the empty model (default true). */
    readonly warn?: boolean;
  } = {},
): Promise<{ params: PunktParameters; location: PunktTabLocation | undefined }> {
  const found = loadPunktParameters(options);
  if (found) return found;
  if (options.download) {
    const root = await downloadPunktTab({ env: options.env, downloadDir: options.downloadDir });
    const again = loadPunktParameters({ ...options, nltkData: [root, ...searchPaths({ ...options, defaultPaths: false })] });
    if (again) return again;
  }
  if (options.warn !== false) warnMissingPunktOnce();
  return { params: emptyPunktParameters(), location: undefined };
}

function isWritableDir(dir: string): boolean {
  try {
    if (!statSync(dir).isDirectory()) return false;
    accessSync(dir, fsConstants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * NLTK's `Downloader.default_download_dir()`: the first existing writable data path, else
 * `~/nltk_data` (`%APPDATA%\nltk_data` on Windows).
 */
export function defaultDownloadDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  for (const dir of nltkDataPaths(env, platform)) {
    if (isWritableDir(dir)) return dir;
  }
  if (platform === 'win32' && env.APPDATA) return path.join(env.APPDATA, 'nltk_data');
  const home = safeHomedir();
  if (!home) throw new Error('downloadPunktTab: no writable NLTK data folder and no home directory; pass downloadDir');
  return path.join(home, 'nltk_data');
}

/** Options of {@link downloadPunktTab}. */
export interface DownloadPunktTabOptions {
  /** Data server base URL (default: `$PERSONA_GEN_NLTK_DATA_URL`, else NLTK's server). */
  readonly baseUrl?: string;
  /** Data root to install into (default {@link defaultDownloadDir}). */
  readonly downloadDir?: string;
  /** Environment (default `process.env`). */
  readonly env?: NodeJS.ProcessEnv;
  /** `fetch` implementation (default the global one). */
  readonly fetch?: typeof fetch;
  /** Re-download even when `tokenizers/punkt_tab/english/` already exists there. */
  readonly force?: boolean;
}

/**
 * `nltk.download('punkt_tab')`: fetches `packages/tokenizers/punkt_tab.zip` from the data server,
 * stores it as `<dir>/tokenizers/punkt_tab.zip` and unzips it into `<dir>/tokenizers/`.
 *
 * @returns The data root it installed into.
 * @throws Error when the download fails, the archive is not a zip, or it lacks `punkt_tab/english/`.
 */
export async function downloadPunktTab(options: DownloadPunktTabOptions = {}): Promise<string> {
  const env = options.env ?? process.env;
  const root = options.downloadDir ?? defaultDownloadDir(env);
  const tokenizersDir = path.join(root, 'tokenizers');
  if (!options.force && isDirectory(path.join(tokenizersDir, 'punkt_tab', 'english'))) return root;

  let base = options.baseUrl ?? env[NLTK_DATA_URL_ENV] ?? DEFAULT_NLTK_DATA_URL;
  if (!base.endsWith('/')) base += '/';
  const url = `${base}packages/tokenizers/punkt_tab.zip`;
  const doFetch = options.fetch ?? fetch;
  let response: Response;
  try {
    response = await doFetch(url);
  } catch (err) {
    throw new Error(`downloadPunktTab: could not fetch ${url}: ${(err as Error).message}`);
  }
  if (!response.ok) throw new Error(`downloadPunktTab: ${url} answered HTTP ${response.status}`);
  const zip = new Uint8Array(await response.arrayBuffer());

  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(zip);
  } catch (err) {
    throw new Error(`downloadPunktTab: ${url} is not a valid zip archive: ${(err as Error).message}`);
  }
  const missing = PUNKT_TAB_FILES.map(([, name]) => `punkt_tab/english/${name}`).filter((n) => !entries[n]);
  if (missing.length > 0) throw new Error(`downloadPunktTab: ${url} lacks ${missing.join(', ')}`);

  mkdirSync(tokenizersDir, { recursive: true });
  const base2 = path.resolve(tokenizersDir);
  for (const [name, data] of Object.entries(entries)) {
    const target = path.resolve(base2, name);
    if (target !== base2 && !target.startsWith(base2 + path.sep)) {
      throw new Error(`downloadPunktTab: refusing archive entry outside ${base2}: ${name}`);
    }
    if (name.endsWith('/')) {
      mkdirSync(target, { recursive: true });
    } else {
      mkdirSync(path.dirname(target), { recursive: true });
      writeFileSync(target, data);
    }
  }
  writeFileSync(path.join(tokenizersDir, 'punkt_tab.zip'), zip);
  return root;
}
