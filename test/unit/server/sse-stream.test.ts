/**
 * SseStream on a real Node HTTP server, read back byte for byte through a raw socket: the
 * pre-framed chunks it writes past Node's response are valid chunked encoding (two streams in a
 * row on one keep-alive connection parse), an HTTP/1.0 client gets the plain body, events
 * after the client left are dropped without an error, and the connection is offered to the
 * engine's own writes only where they can go straight to it (never a TLS connection).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import type { AddressInfo } from 'node:net';

import { afterEach, describe, expect, it } from 'vitest';

import { SseStream } from '../../../lib/server/sse-stream.js';

let server: http.Server | undefined;

afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

async function serve(handler: (res: http.ServerResponse) => void): Promise<number> {
  server = http.createServer((_req, res) => handler(res));
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

/** Sends `requests` (raw HTTP) on one connection and resolves with everything read once `done(text)` says so. */
function exchange(port: number, requests: string, done: (text: string) => boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(requests));
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => {
      text += d;
      if (done(text)) {
        socket.destroy();
        resolve(text);
      }
    });
    socket.on('error', reject);
    socket.on('close', () => resolve(text));
  });
}

function writeEvents(res: http.ServerResponse): void {
  const sse = new SseStream(res);
  sse.open();
  sse.send({ text: 'héllo' });
  sse.sendRaw('"two"');
  sse.close('[DONE]');
}

const BODY_CHUNKS = '19\r\ndata: {"text":"héllo"}\n\n\r\nd\r\ndata: "two"\n\n\r\ne\r\ndata: [DONE]\n\n\r\n0\r\n\r\n';

describe('SseStream', () => {
  it('writes every event as one chunk of the response, and keep-alive carries the next response', async () => {
    const port = await serve(writeEvents);
    const req = 'GET / HTTP/1.1\r\nHost: x\r\n\r\n';
    const text = await exchange(port, req + req, (t) => t.split('0\r\n\r\n').length === 3);
    const responses = text.split('HTTP/1.1 200 OK\r\n').slice(1);
    expect(responses).toHaveLength(2);
    for (const r of responses) {
      const split = r.indexOf('\r\n\r\n');
      const head = r.slice(0, split);
      const body = r.slice(split + 4);
      expect(head.toLowerCase()).toContain('content-type: text/event-stream; charset=utf-8');
      expect(head.toLowerCase()).toContain('transfer-encoding: chunked');
      expect(head.toLowerCase()).toContain('connection: keep-alive');
      // 0x19 = 25 bytes for 24 characters: "é" is two bytes in UTF-8; the size line counts bytes.
      expect(body).toBe(BODY_CHUNKS);
    }
  });

  it('sends an HTTP/1.0 client the plain body, through the response', async () => {
    const port = await serve(writeEvents);
    const text = await exchange(port, 'GET / HTTP/1.0\r\n\r\n', () => false);
    const body = text.slice(text.indexOf('\r\n\r\n') + 4);
    expect(text.toLowerCase()).not.toContain('transfer-encoding');
    expect(body).toBe('data: {"text":"héllo"}\n\ndata: "two"\n\ndata: [DONE]\n\n');
  });

  it('drops events once the client is gone, without throwing', async () => {
    let after: { writable: boolean; threw: unknown } | undefined;
    const closed = new Promise<void>((resolve) => {
      void serve((res) => {
        const sse = new SseStream(res);
        sse.open();
        res.on('close', () => {
          let threw: unknown = null;
          try {
            sse.send({ late: true });
            sse.close('[DONE]');
          } catch (err) {
            threw = err;
          }
          after = { writable: sse.writable, threw };
          resolve();
        });
      }).then((port) => exchange(port, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n', (t) => t.includes('\r\n\r\n')));
    });
    await closed;
    expect(after).toEqual({ writable: false, threw: null });
  });

  it.skipIf(process.platform === 'win32')('offers the connection to the engine only on a chunked response with nothing queued or corked in Node', async () => {
    const seen: string[] = [];
    const handler = (res: http.ServerResponse) => {
      const sse = new SseStream(res);
      sse.open();
      const socket = res.socket!;
      const target = sse.engineSocket('{"t":', '}');
      seen.push(target === undefined ? 'none' : `fd ${typeof target.fd === 'number' && target.fd >= 0 ? 'ok' : target.fd} ${target.before}${target.after}`);
      socket.cork();
      seen.push(sse.engineSocket('', '') === undefined ? 'corked: none' : 'corked: offered');
      socket.uncork();
      // What comes back to onFallback is written to the connection, in order.
      target?.onFallback(Buffer.from('5\r\nhello\r\n'));
      sse.close('[DONE]');
    };
    const port = await serve(handler);
    const text = await exchange(port, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n', (t) => t.endsWith('0\r\n\r\n'));
    expect(text.slice(text.indexOf('\r\n\r\n') + 4)).toBe('5\r\nhello\r\ne\r\ndata: [DONE]\n\n\r\n0\r\n\r\n');
    await exchange(port, 'GET / HTTP/1.0\r\n\r\n', () => false);
    expect(seen).toEqual(['fd ok {"t":}', 'corked: none', 'none', 'corked: none']);
  });

  it('never offers a TLS connection (its descriptor carries TLS records)', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sse-tls-'));
    const [key, cert] = [path.join(dir, 'key.pem'), path.join(dir, 'cert.pem')];
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost'], { stdio: 'ignore' });
    let offered: unknown = 'not asked';
    const secure = https.createServer({ key: readFileSync(key), cert: readFileSync(cert) }, (_req, res) => {
      const sse = new SseStream(res);
      sse.open();
      // A TLS socket holds the head until it is encrypted and sent; ask once it has, when
      // nothing else keeps the connection from being offered (its handle has a descriptor).
      const ask = () => {
        if (res.socket!.writableLength > 0) return void setTimeout(ask, 1);
        offered = sse.engineSocket('', '');
        sse.close('[DONE]');
      };
      ask();
    });
    await new Promise<void>((resolve) => secure.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = secure.address() as AddressInfo;
      const text = await new Promise<string>((resolve, reject) => {
        const socket = tls.connect({ port, host: '127.0.0.1', rejectUnauthorized: false }, () => socket.write('GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'));
        let got = '';
        socket.setEncoding('utf8');
        socket.on('data', (d: string) => (got += d));
        socket.on('end', () => resolve(got));
        socket.on('error', reject);
      });
      expect(text).toContain('data: [DONE]');
      expect(offered).toBeUndefined();
    } finally {
      await new Promise<void>((resolve) => secure.close(() => resolve()));
    }
  });
});
