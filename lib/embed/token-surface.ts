/**
 * Surface text of vocabulary pieces, for embedding each token:
 *
 * - SentencePiece pieces: `▁` (word start / space marker) becomes a space, then trimmed;
 * - byte-level BPE pieces (GPT-2 style, `Ġ` = space, `Ċ` = newline): decoded back to bytes and
 *   then UTF-8; pieces that are only part of a multi-byte character are excluded;
 * - excluded (no surface, a zero row): control/unknown/unused/byte tokens, byte pieces `<0x..>`,
 *   user-defined markers like `<|im_start|>` or `<tool_call>`, and pieces without any letter
 *   (punctuation, digits, whitespace).
 */
import type { TokenKind, VocabSource } from './vocab-source.js';

/** How pieces encode spaces. */
export type PieceEncoding = 'sentencepiece' | 'byte-level';

/** Version of the rules below; part of every vocabulary cache key. */
export const SURFACE_RULES_VERSION = 1;

let byteDecoder: Map<string, number> | undefined;

/** GPT-2's byte ↔ unicode table, inverted: printable stand-in character → byte. */
function gpt2ByteDecoder(): Map<string, number> {
  if (byteDecoder) return byteDecoder;
  const bs: number[] = [];
  for (let b = 33; b <= 126; b++) bs.push(b);
  for (let b = 161; b <= 172; b++) bs.push(b);
  for (let b = 174; b <= 255; b++) bs.push(b);
  const cs = [...bs];
  let n = 0;
  for (let b = 0; b < 256; b++) {
    if (!bs.includes(b)) {
      bs.push(b);
      cs.push(256 + n++);
    }
  }
  byteDecoder = new Map(bs.map((b, i) => [String.fromCodePoint(cs[i]), b]));
  return byteDecoder;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Decodes a byte-level BPE piece to text, or null when it is not whole UTF-8. */
export function decodeByteLevel(piece: string): string | null {
  const dec = gpt2ByteDecoder();
  const bytes: number[] = [];
  for (const ch of piece) {
    const b = dec.get(ch);
    if (b !== undefined) bytes.push(b);
    else bytes.push(...new TextEncoder().encode(ch));
  }
  try {
    return utf8.decode(Uint8Array.from(bytes));
  } catch {
    return null;
  }
}

/** Guesses the encoding: byte-level when more pieces use `Ġ` than start with `▁`. */
export function detectPieceEncoding(pieces: string[]): PieceEncoding {
  let sp = 0;
  let bl = 0;
  for (const p of pieces) {
    if (p.startsWith('\u2581')) sp++;
    if (p.startsWith('\u0120')) bl++;
  }
  return bl > sp ? 'byte-level' : 'sentencepiece';
}

const LETTER = /\p{L}/u;
const BYTE_PIECE = /^<0x[0-9A-Fa-f]{2}>$/;
const MARKER = /^(<\|[^<>]*\|>|<[^<>\s]+>|\[[A-Z_]+\])$/;

/** Surface text of one piece, or null when the token gets a zero row. */
export function pieceSurface(piece: string, kind: TokenKind, encoding: PieceEncoding): string | null {
  if (kind === 'control' || kind === 'byte' || kind === 'unknown' || kind === 'unused') return null;
  if (BYTE_PIECE.test(piece)) return null;
  if (kind === 'user-defined' && MARKER.test(piece)) return null;
  let text: string | null;
  if (encoding === 'byte-level') text = decodeByteLevel(piece);
  else text = piece.replace(/\u2581/g, ' ');
  if (text === null) return null;
  text = text.trim();
  return LETTER.test(text) ? text : null;
}

/** Surface text per token id (null = zero row), with the encoding used. */
export function vocabSurfaces(source: VocabSource, encoding?: PieceEncoding): { surfaces: (string | null)[]; encoding: PieceEncoding } {
  const pieces = source.tokenPieces();
  const kinds = source.tokenKinds();
  if (pieces.length !== source.vocabSize || kinds.length !== source.vocabSize) {
    throw new Error(`vocabulary source is inconsistent: vocabSize ${source.vocabSize}, ${pieces.length} pieces, ${kinds.length} kinds`);
  }
  const enc = encoding ?? detectPieceEncoding(pieces);
  return { surfaces: pieces.map((p, i) => pieceSurface(p, kinds[i], enc)), encoding: enc };
}
