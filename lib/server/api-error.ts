/**
 * Errors of the HTTP API in OpenAI's shape: `{ error: { message, type, param, code } }` with the
 * status that goes with them. Every 4xx/5xx answer of the server goes through {@link ApiError}.
 * @module
 */

/** OpenAI's error `type` values that this server uses. */
export type ApiErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'permission_error'
  | 'not_found_error'
  | 'request_too_large'
  | 'server_error'
  | 'unavailable_error';

/** The JSON body of an error answer. */
export interface ApiErrorBody {
  error: { message: string; type: ApiErrorType; param: string | null; code: string | null };
}

/** An error that becomes an HTTP answer with an OpenAI-style body. */
export class ApiError extends Error {
  /**
   * @param status - the HTTP status (4xx/5xx)
   * @param type - OpenAI's error type
   * @param message - what went wrong, naming the field when there is one
   * @param param - the request field at fault, if any
   * @param code - a short machine-readable code, if any
   */
  constructor(
    readonly status: number,
    readonly type: ApiErrorType,
    message: string,
    readonly param: string | null = null,
    readonly code: string | null = null,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** The answer's JSON body. */
  body(): ApiErrorBody {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

/** 400: the body is not valid JSON or not valid UTF-8. */
export function badRequest(message: string, code: string | null = null): ApiError {
  return new ApiError(400, 'invalid_request_error', message, null, code);
}

/** 422: a field has the wrong type or value. */
export function unprocessable(param: string | null, message: string, code: string | null = 'invalid_value'): ApiError {
  return new ApiError(422, 'invalid_request_error', message, param, code);
}

/** 404: no such route, model or user (in the caller's tenant). */
export function notFound(message: string, code: string | null = 'not_found', param: string | null = null): ApiError {
  return new ApiError(404, 'not_found_error', message, param, code);
}
