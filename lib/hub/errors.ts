/** Errors raised by the Hub client; each message says what failed and what to do. */

/** An HTTP error answer from the Hub (4xx/5xx other than the cases below). */
export class HubHttpError extends Error {
  override readonly name: string = 'HubHttpError';
  constructor(
    message: string,
    /** HTTP status code. */
    readonly status: number,
    /** URL that answered. */
    readonly url: string,
    /** The Hub's `X-Error-Code` header, if any (e.g. `EntryNotFound`). */
    readonly errorCode?: string,
  ) {
    super(message);
  }
}

/** The repo, revision or file does not exist (HTTP 404), or is private without a valid token. */
export class HubNotFoundError extends HubHttpError {
  override readonly name: string = 'HubNotFoundError';
}

/** Downloaded bytes do not match the size or hash the Hub announced. */
export class HubIntegrityError extends Error {
  override readonly name = 'HubIntegrityError';
  constructor(
    message: string,
    /** What was expected (size in bytes or hex hash). */
    readonly expected: string,
    /** What was found. */
    readonly actual: string,
  ) {
    super(message);
  }
}

/** Offline (`HF_HUB_OFFLINE` or `offline: true`) and the file is not in the cache. */
export class HubOfflineError extends Error {
  override readonly name = 'HubOfflineError';
  constructor(
    message: string,
    /** The exact command that downloads what is missing. */
    readonly downloadCommand: string,
  ) {
    super(message);
  }
}
