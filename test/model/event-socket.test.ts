/**
 * GenerateOptions.eventSocket on the tiny model over real loopback connections: the engine
 * writes each piece of streamed text as one chunk of a chunked HTTP/1.1 body holding a
 * server-sent event, byte for byte what JavaScript would frame from the same `onText` pieces;
 * a connection that does not take an event whole (a client that stopped reading, 1 MB events)
 * gets the rest of that event and every later one through onFallback, in order, intact; a
 * client that is gone costs only fallback bytes; the engine writes to its own duplicate of the
 * descriptor (nothing reaches a connection accepted after the caller closed its own, which may
 * get the same number) and closes it when the generation ends; bad targets are refused by name.
 */
import { closeSync, openSync, readdirSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { type EventSocketTarget, loadModel, type Model } from '../../lib/index.js';
import { hasStoriesModel, storiesModel } from '../helpers/shared.js';

const PROMPT = 'Once upon a time';
const posix = process.platform !== 'win32';

/** A loopback connection: the accepted side (whose descriptor the engine gets) and the client, with what it has read. */
interface Pair {
  server: net.Socket;
  client: net.Socket;
  fd: number;
  received: () => Buffer;
  /** What the accepted side has read (from the client). */
  serverReceived: () => Buffer;
  close: () => void;
}

async function connectedPair(listener: net.Server): Promise<Pair> {
  const accepted = new Promise<net.Socket>((resolve) => listener.once('connection', resolve));
  const { port } = listener.address() as net.AddressInfo;
  const client = net.connect(port, '127.0.0.1');
  const chunks: Buffer[] = [];
  client.on('data', (d: Buffer) => chunks.push(d));
  client.on('error', () => {});
  const server = await accepted;
  server.on('error', () => {});
  const fromClient: Buffer[] = [];
  server.on('data', (d: Buffer) => fromClient.push(d));
  const fd = (server as unknown as { _handle: { fd: number } })._handle.fd;
  return {
    server,
    client,
    fd,
    received: () => Buffer.concat(chunks),
    serverReceived: () => Buffer.concat(fromClient),
    close: () => (server.destroy(), client.destroy()),
  };
}

/** The bytes the engine must write for `pieces`: one chunk per piece, framed as SseStream frames an event. */
function framed(pieces: string[], before: string, after: string): Buffer {
  return Buffer.concat(
    pieces.map((p) => {
      const event = Buffer.from(`data: ${before}${JSON.stringify(p)}${after}\n\n`, 'utf8');
      return Buffer.concat([Buffer.from(`${event.length.toString(16)}\r\n`), event, Buffer.from('\r\n')]);
    }),
  );
}

async function until(what: string, ok: () => boolean, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const openDescriptors = () => readdirSync('/proc/self/fd').length;

describe.skipIf(!hasStoriesModel || !posix)('GenerateOptions.eventSocket (stories260K)', () => {
  let model: Model;
  let listener: net.Server;

  beforeAll(async () => {
    model = await loadModel(storiesModel, { contextSize: 256, threads: 1, parallel: 2 });
    listener = net.createServer({ allowHalfOpen: true });
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    model?.dispose();
    await new Promise<void>((resolve) => listener.close(() => resolve()));
  });

  /** The onText pieces of a greedy generation: what the engine must write, one event each. */
  async function pieces(maxTokens: number): Promise<{ pieces: string[]; text: string }> {
    const out: string[] = [];
    const r = await model.generate(PROMPT, { maxTokens, onText: (t) => out.push(t) });
    return { pieces: out, text: r.text };
  }

  it('writes each piece of text as one chunked event, the bytes JavaScript would write, and closes its descriptor', async () => {
    const ref = await pieces(40);
    const pair = await connectedPair(listener);
    const before = '{"id":"cmpl-1","choices":[{"index":0,"text":';
    const after = ',"finish_reason":null}]}';
    let fallbacks = 0;
    const open = process.platform === 'linux' ? openDescriptors() : 0;
    const r = await model.generate(PROMPT, { maxTokens: 40, eventSocket: { fd: pair.fd, before, after, onFallback: () => fallbacks++ } });
    const expected = framed(ref.pieces, before, after);
    await until('the events', () => pair.received().length >= expected.length);
    expect(r.text).toBe(ref.text);
    expect(pair.received().equals(expected)).toBe(true);
    expect(fallbacks).toBe(0);
    expect(r.timings.firstTextMs).toBeGreaterThanOrEqual(0);
    if (process.platform === 'linux') expect(openDescriptors()).toBe(open); // its duplicate is closed
    // The connection is the caller's again: its own writes follow the events.
    pair.server.write('0\r\n\r\n');
    await until('the last chunk', () => pair.received().length === expected.length + 5);
    pair.close();
  });

  it('a connection that does not take an event whole gets its rest and every later event through onFallback, in order', async () => {
    const ref = await pieces(48);
    const pair = await connectedPair(listener);
    pair.client.pause(); // the client reads nothing until the generation is over: the socket buffers fill
    const before = `{"pad":"${'x'.repeat(1 << 20)}","text":`;
    let fallbacks = 0;
    const target: EventSocketTarget = {
      fd: pair.fd,
      before,
      after: '}',
      onFallback: (bytes) => {
        fallbacks++;
        pair.server.write(bytes);
      },
    };
    const r = await model.generate(PROMPT, { maxTokens: 48, eventSocket: target });
    expect(r.text).toBe(ref.text);
    expect(fallbacks).toBeGreaterThan(0);
    expect(fallbacks).toBeLessThan(ref.pieces.length); // the first events went straight to the socket
    pair.client.resume();
    const expected = framed(ref.pieces, before, '}');
    await until('48 MB of events', () => pair.received().length >= expected.length, 60_000);
    expect(pair.received().equals(expected)).toBe(true);
    console.log(`[event-socket] ${ref.pieces.length} events of 1 MB to a client not reading: ${ref.pieces.length - fallbacks} written by the engine, the rest in ${fallbacks} fallback writes`);
    pair.close();
  });

  it('a client that is gone: the generation ends normally, what it could not write goes to onFallback', async () => {
    const pair = await connectedPair(listener);
    const ended = new Promise((resolve) => pair.server.once('end', resolve));
    pair.client.destroy();
    await ended;
    let fallbackBytes = 0;
    const r = await model.generate(PROMPT, { maxTokens: 200, eventSocket: { fd: pair.fd, before: '', after: '', onFallback: (b) => (fallbackBytes += b.length) } });
    expect(r.stopReason).toBe('maxTokens');
    expect(fallbackBytes).toBeGreaterThan(0);
    pair.close();
  });

  it('writes to its own duplicate: after the caller closes its descriptor, a connection that gets the same number never gets an event', async () => {
    // Both slots busy, so the request waits in the engine's queue (its duplicate already taken)
    // while the caller closes its descriptor and the next connection is accepted.
    const busy = [0, 1].map(() => model.generate('The little dog', { maxTokens: 200, onText: () => {} }));
    const ref = await pieces(60);
    const first = await connectedPair(listener);
    const generation = model.generate(PROMPT, { maxTokens: 60, eventSocket: { fd: first.fd, before: '', after: '', onFallback: () => {} } });
    const closed = new Promise((resolve) => first.server.once('close', resolve));
    first.server.destroy();
    await closed; // the caller's descriptor is closed: its number is free
    const second = await connectedPair(listener);
    const r = await generation;
    await Promise.all(busy);
    const expected = framed(ref.pieces, '', '');
    await until('the events on the first connection', () => first.received().length >= expected.length);
    await new Promise((resolve) => setTimeout(resolve, 50));
    // The next connection's two ends (both in this process) take the lowest free numbers, the
    // freed one among them (here; not asserted, since anything else in the process could take
    // it first): whichever end got it, neither may receive anything.
    const clientFd = (second.client as unknown as { _handle: { fd: number } })._handle.fd;
    console.log(`[event-socket] descriptor ${first.fd} closed by the caller before the generation started; the next connection got ${clientFd} (client) and ${second.fd} (server)`);
    expect(r.text).toBe(ref.text);
    expect(first.received().equals(expected)).toBe(true); // the engine's duplicate kept the connection
    expect(second.received().length).toBe(0);
    expect(second.serverReceived().length).toBe(0);
    first.close();
    second.close();
  });

  it('refuses bad targets by name, before anything runs', async () => {
    const ok = { before: '', after: '', onFallback: () => {} };
    await expect(model.generate(PROMPT, { eventSocket: { ...ok, fd: -1 } })).rejects.toThrow(/^options\.eventSocket\.fd must be a descriptor \(an integer from 0\), got -1$/);
    await expect(model.generate(PROMPT, { eventSocket: { ...ok, fd: 1.5 } })).rejects.toThrow(RangeError);
    await expect(model.generate(PROMPT, { eventSocket: { ...ok, fd: 1 << 30 } })).rejects.toThrow(/^options\.eventSocket\.fd: descriptor 1073741824 is not an open descriptor/);
    const file = path.join(tmpdir(), `event-socket-${process.pid}.txt`);
    const fd = openSync(file, 'w');
    try {
      await expect(model.generate(PROMPT, { eventSocket: { ...ok, fd } })).rejects.toThrow(/^options\.eventSocket\.fd: descriptor \d+ is not a connected stream socket/);
    } finally {
      closeSync(fd);
    }
    const unconnected = (listener as unknown as { _handle: { fd: number } })._handle.fd; // a listening socket has no peer
    await expect(model.generate(PROMPT, { eventSocket: { ...ok, fd: unconnected } })).rejects.toThrow(/is not a connected stream socket/);
    await expect(model.generate(PROMPT, { eventSocket: { fd: 1, before: '', after: '' } as unknown as EventSocketTarget })).rejects.toThrow(
      /^options\.eventSocket\.onFallback must be a function$/,
    );
    await expect(model.generate(PROMPT, { eventSocket: { ...ok, fd: 1, before: 3 } as unknown as EventSocketTarget })).rejects.toThrow(TypeError);
    await expect(model.generate(PROMPT, { eventSocket: { ...ok, fd: 1 }, onText: () => {} })).rejects.toThrow(/cannot be combined with onText/);
    const s = model.stream(PROMPT, { eventSocket: { ...ok, fd: 1 } });
    await expect(s.result).rejects.toThrow(/cannot be combined with onText/);
    // The model still works.
    expect((await model.generate(PROMPT, { maxTokens: 4 })).tokens.length).toBe(4);
  });
});
