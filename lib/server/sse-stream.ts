/**
 * Server-sent events on a hijacked Node response, one socket write per event.
 *
 * Node's `res.write()` on a chunked HTTP/1.1 response corks the socket, defers the flush to the
 * next tick and sends four buffers (size line, CRLF, data, CRLF) through `writev`. Measured on
 * this project's 2-core machines, streaming 64-token completions at N = 1 from
 * `persona-gen serve` (20 requests per run, 3 runs each way, the JavaScript thread's CPU time
 * from /proc): 0.31 to 0.54 ms of that thread per token through `res.write()`, 0.30 to 0.34 ms
 * with one pre-framed write; a bare Node server sending the same events showed 0.47-0.52 vs
 * 0.31-0.37 ms. At N = 1 every token is an event, and that thread shares the two cores with
 * the decode threads, so its time per event is taken from decoding.
 * So once the head is out, an event on a chunked response is written as one ready chunk
 * straight to the socket. The wire format is the same: the response still ends through
 * `res.end()`, which writes the last chunk, so Node's own bookkeeping (finish, keep-alive) is
 * unchanged. A response that is not chunked (an HTTP/1.0 client) goes through `res.write()`.
 *
 * Even so the JavaScript thread is woken once per token. {@link SseStream.engineSocket} hands a
 * generation's text events to the engine instead, which writes them from its own thread
 * (`GenerateOptions.eventSocket`): that thread then spends ~0.04 ms per token at N = 1, not ~0.25.
 * @module
 */
import type { ServerResponse } from 'node:http';

import type { EventSocketTarget } from '../generation-options.js';

/** The head every event stream starts with. */
const HEADERS = { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'x-accel-buffering': 'no' } as const;

/** One `text/event-stream` response: {@link SseStream.open}, then events, then {@link SseStream.close}. */
export class SseStream {
  #framed = false;

  /** @param res - the response, already hijacked from the framework. */
  constructor(private readonly res: ServerResponse) {}

  /** True while events can still be written (the client is there and the stream is not closed). */
  get writable(): boolean {
    return !this.res.writableEnded && !this.res.destroyed;
  }

  /** Sends status 200 and the event-stream head now, before the first event. */
  open(): void {
    this.res.writeHead(200, HEADERS);
    this.res.flushHeaders();
    this.#framed = this.res.chunkedEncoding;
  }

  /** Writes one `data:` event holding `data` as JSON. Ignored once the stream is gone. */
  send(data: unknown): void {
    this.sendRaw(JSON.stringify(data));
  }

  /** Writes one `data:` event whose payload is `payload` as it is (one line, no line break). */
  sendRaw(payload: string): void {
    if (!this.writable) return;
    const event = `data: ${payload}\n\n`;
    const socket = this.res.socket;
    if (this.#framed && socket !== null) socket.write(`${Buffer.byteLength(event).toString(16)}\r\n${event}\r\n`);
    else this.res.write(event);
  }

  /**
   * The connection as a target for the engine's own event writes (`GenerateOptions.eventSocket`),
   * each text event `<before><text as JSON><after>`; undefined where the engine cannot write it:
   * Windows, a TLS connection, a response that is not chunked or has no connection of its own
   * yet (a pipelined request's, while the one before it is answered), or a connection with
   * writes still queued (or corked) in Node, which must reach the client first. The descriptor
   * is read from the socket's libuv handle (`socket._handle.fd`, which Node has no public name
   * for); the engine writes to a duplicate of it. What the connection does not take at once comes back to
   * `onFallback` and is written here, in order. Ask right before the generation starts: the
   * stream must not be written from then until the generation settles.
   */
  engineSocket(before: string, after: string): EventSocketTarget | undefined {
    const socket = this.res.socket;
    if (process.platform === 'win32' || !this.#framed || socket === null || !this.writable) return undefined;
    if ('encrypted' in socket) return undefined; // a TLS connection: bytes on its descriptor must be TLS records
    // Anything Node still holds for this connection (in the response, or the socket's queue or
    // cork) must reach the client before the engine's first event.
    if (this.res.writableLength > 0 || socket.writableLength > 0 || socket.writableCorked > 0) return undefined;
    const fd = (socket as unknown as { _handle?: { fd?: unknown } | null })._handle?.fd;
    if (typeof fd !== 'number' || !Number.isInteger(fd) || fd < 0) return undefined;
    return {
      fd,
      before,
      after,
      onFallback: (bytes) => {
        if (this.writable) socket.write(bytes);
      },
    };
  }

  /** Ends the stream, with `last` (a payload, as for {@link sendRaw}) as its final event. */
  close(last: string): void {
    if (this.writable) this.res.end(`data: ${last}\n\n`);
  }
}
