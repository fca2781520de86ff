/**
 * The lines of a UTF-8 text file, streamed: what `readline.createInterface({ input:
 * createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity })` yields (lines end at
 * `\n`, `\r\n` or a lone `\r`; a last line without a break is yielded when not empty; a
 * byte-order mark is kept), found in the bytes and decoded line by line. A line break byte is
 * never part of a multi-byte UTF-8 sequence, so decoding each line on its own gives the same
 * text as decoding the whole stream (invalid sequences become U+FFFD the same way); unlike the
 * whole-stream decoding, a single non-Latin-1 character no longer makes every later line a
 * two-byte string, and there is no readline machinery per chunk. Used by `score` and by the
 * dataset reader (JSON Lines).
 * @module
 */
import { open } from 'node:fs/promises';

const LF = 0x0a;
const CR = 0x0d;
/** Bytes read at a time. */
const CHUNK = 1 << 20;

/**
 * Yields the lines of `file` (see the module comment).
 *
 * @param file - path of the file.
 */
export async function* readLines(file: string): AsyncGenerator<string> {
  const handle = await open(file, 'r');
  try {
    const chunk = Buffer.allocUnsafe(CHUNK);
    let carry: Buffer | null = null; // the start of a line that continues in the next chunk
    let skipLF = false; // the last chunk ended with `\r`: a `\n` first is the same break
    for (;;) {
      const { bytesRead } = await handle.read(chunk, 0, CHUNK, null);
      if (bytesRead === 0) break;
      const buf = chunk.subarray(0, bytesRead);
      let start = skipLF && buf[0] === LF ? 1 : 0;
      skipLF = false;
      let nextCR = buf.indexOf(CR, start);
      for (;;) {
        let end = buf.indexOf(LF, start);
        if (nextCR >= 0 && (end < 0 || nextCR < end)) end = nextCR;
        if (end < 0) break;
        const line = carry === null ? buf.toString('utf8', start, end) : Buffer.concat([carry, buf.subarray(start, end)]).toString('utf8');
        carry = null;
        start = end + 1;
        if (end === nextCR) {
          if (start === buf.length) skipLF = true;
          else if (buf[start] === LF) start++;
          nextCR = buf.indexOf(CR, start);
        }
        yield line;
      }
      if (start < buf.length) {
        const rest = Buffer.from(buf.subarray(start)); // a copy: the chunk is read into again
        carry = carry === null ? rest : Buffer.concat([carry, rest]);
      }
    }
    if (carry !== null && carry.length > 0) yield carry.toString('utf8');
  } finally {
    await handle.close();
  }
}
