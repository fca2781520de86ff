/**
 * Hugging Face Hub downloads into the standard Hub cache (resume, hash checks, offline mode).
 * Import as `persona-gen/hub`.
 * @module
 */
export { downloadHubFile, findCachedHubFile } from './download.js';
export type { HubFileRequest, HubOptions, CachedHubFile } from './download.js';
export { resolveHfRef, parseHfRef, isHfRef } from './hf-ref.js';
export type { HfRef } from './hf-ref.js';
export { listHubFiles, listHubTree, listCachedFiles, resolveHubRevision } from './list.js';
export { hubSettings, hubCacheDir, hfHomeDir, DEFAULT_HUB_ENDPOINT } from './settings.js';
export type { HubSettings, HubSettingsOverrides } from './settings.js';
export { HubHttpError, HubNotFoundError, HubIntegrityError, HubOfflineError } from './errors.js';
