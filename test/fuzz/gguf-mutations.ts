/**
 * Mutated GGUF files for the fuzz tests, described as small JSON-able records so that a failing
 * input is reproduced from its description alone (the descriptions of past crashes are kept in
 * regressions.ts). A description names a base file (`stories`: test/fixtures/models/stories260K.gguf,
 * or `tiny`: a small llama model the test writes itself) and one mutation:
 *
 * - `bitflip`: `flips` random bits (seeded) in the metadata (header, KV pairs, tensor infos) or
 *   anywhere in the file;
 * - `truncate`: the first `at` bytes;
 * - `set`: one declared field (a count, a size, a type, a dimension, an offset, a KV value)
 *   overwritten with a value, typically huge;
 * - `rewrite`: the file parsed, edited (KV values and types, tensors dropped, reshaped,
 *   retyped, renamed, duplicated, arrays shortened) and written back well-formed;
 * - `raw`: a file built from scratch (headers only, counts without content, ...).
 */
import { encodeHeader, GgufType, parseGguf, tensorBytes, tensorsWithData, writeGguf, type GgufFile, type GgufKv, type GgufScalar, type GgufTensorToWrite } from './gguf-file.js';
import { mulberry32 } from '../../bench/prng.js';

/** A field of the parsed file whose bytes a `set` mutation overwrites. */
export type GgufFieldRef =
  | { at: 'version' | 'nTensors' | 'nKv' }
  | { at: 'kvKeyLength' | 'kvType' | 'kvArrayType' | 'kvArrayCount' | 'kvValue'; kv: number }
  | { at: 'kvStringLength'; kv: number; element: number }
  | { at: 'tensorNameLength' | 'tensorNDims' | 'tensorType' | 'tensorOffset'; tensor: number }
  | { at: 'tensorNe'; tensor: number; dim: number };

/** One edit of a `rewrite` mutation (values of u64/i64 fields and ne are decimal strings). */
export type GgufEdit =
  | { op: 'setKv'; key: string; type: number; isArray?: boolean; value: GgufScalar | GgufScalar[] | string }
  | { op: 'dropKv'; key: string }
  | { op: 'truncateArray'; key: string; length: number }
  | { op: 'setArrayElement'; key: string; index: number; value: GgufScalar }
  | { op: 'dropTensor'; name: string }
  | { op: 'reshapeTensor'; name: string; ne: string[] }
  | { op: 'retypeTensor'; name: string; type: number }
  | { op: 'renameTensor'; name: string; to: string }
  | { op: 'duplicateTensor'; name: string }
  | { op: 'addTensor'; name: string; ne: string[]; type: number }
  | { op: 'fillTensor'; name: string; value: number }
  | { op: 'alignment'; value: number }
  | { op: 'version'; value: number };

/** A mutation of a base file. */
export type GgufMutation =
  | { kind: 'bitflip'; seed: number; flips: number; region: 'meta' | 'all' }
  | { kind: 'truncate'; at: number }
  | { kind: 'set'; field: GgufFieldRef; value: string }
  | { kind: 'rewrite'; edits: GgufEdit[] }
  | { kind: 'raw'; name: RawGgufName };

/** A fuzz input: a base and a mutation. */
export interface GgufCase {
  id: string;
  base: 'stories' | 'tiny';
  mutation: GgufMutation;
}

/** The names of the from-scratch files. */
export type RawGgufName =
  | 'magic-only'
  | 'header-only'
  | 'empty-model'
  | 'huge-counts-no-content'
  | 'kv-only-architecture'
  | 'tokenizer-only'
  | 'zero-dim-tensor'
  | 'one-token-vocab'
  | 'big-endian-header';

/** A deterministic PRNG of floats in [0, 1) (mulberry32, shared with the benchmarks). */
export const prng = mulberry32;

function fieldPosition(f: GgufFile, ref: GgufFieldRef): { pos: number; width: 4 | 8 | 1 | 2 } {
  switch (ref.at) {
    case 'version':
      return { pos: 4, width: 4 };
    case 'nTensors':
      return { pos: f.nTensorsOffset, width: 8 };
    case 'nKv':
      return { pos: f.nKvOffset, width: 8 };
    case 'kvKeyLength':
      return { pos: f.kvOffsets[ref.kv]!.keyLength, width: 8 };
    case 'kvType':
      return { pos: f.kvOffsets[ref.kv]!.type, width: 4 };
    case 'kvArrayType': {
      const o = f.kvOffsets[ref.kv]!;
      if (o.arrayType === undefined) throw new Error(`KV ${ref.kv} is not an array`);
      return { pos: o.arrayType, width: 4 };
    }
    case 'kvArrayCount': {
      const o = f.kvOffsets[ref.kv]!;
      if (o.arrayCount === undefined) throw new Error(`KV ${ref.kv} is not an array`);
      return { pos: o.arrayCount, width: 8 };
    }
    case 'kvValue': {
      const kv = f.kvs[ref.kv]!;
      const widths: Record<number, 1 | 2 | 4 | 8> = { 0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8 };
      const w = widths[kv.type];
      if (kv.isArray || w === undefined) throw new Error(`KV ${ref.kv} is not a scalar number`);
      return { pos: f.kvOffsets[ref.kv]!.value, width: w as 4 | 8 | 1 | 2 };
    }
    case 'kvStringLength':
      return { pos: f.kvOffsets[ref.kv]!.stringLengths[ref.element]!, width: 8 };
    case 'tensorNameLength':
      return { pos: f.tensorOffsets[ref.tensor]!.nameLength, width: 8 };
    case 'tensorNDims':
      return { pos: f.tensorOffsets[ref.tensor]!.nDims, width: 4 };
    case 'tensorType':
      return { pos: f.tensorOffsets[ref.tensor]!.type, width: 4 };
    case 'tensorOffset':
      return { pos: f.tensorOffsets[ref.tensor]!.offset, width: 8 };
    case 'tensorNe':
      return { pos: f.tensorOffsets[ref.tensor]!.ne[ref.dim]!, width: 8 };
  }
}

function writeField(buf: Buffer, pos: number, width: number, value: bigint): void {
  if (width === 8) buf.writeBigUInt64LE(BigInt.asUintN(64, value), pos);
  else if (width === 4) buf.writeUInt32LE(Number(BigInt.asUintN(32, value)), pos);
  else if (width === 2) buf.writeUInt16LE(Number(BigInt.asUintN(16, value)), pos);
  else buf.writeUInt8(Number(BigInt.asUintN(8, value)), pos);
}

function bigintList(ne: string[]): bigint[] {
  return ne.map((s) => BigInt(s));
}

function resized(data: Buffer, bytes: number): Buffer {
  const out = Buffer.alloc(bytes);
  data.copy(out, 0, 0, Math.min(bytes, data.length));
  return out;
}

function applyEdits(base: Buffer, edits: GgufEdit[]): Buffer {
  const parsed = parseGguf(base);
  let kvs: GgufKv[] = parsed.kvs.map((k) => ({ ...k, value: Array.isArray(k.value) ? [...k.value] : k.value }));
  let tensors: GgufTensorToWrite[] = tensorsWithData(base, parsed);
  let alignment = parsed.alignment;
  let version = 3;
  const findTensor = (name: string): GgufTensorToWrite => {
    const t = tensors.find((x) => x.name === name);
    if (!t) throw new Error(`no tensor ${name}`);
    return t;
  };
  for (const e of edits) {
    switch (e.op) {
      case 'setKv': {
        const kv: GgufKv = { key: e.key, type: e.type, isArray: e.isArray ?? Array.isArray(e.value), value: e.value as GgufScalar | GgufScalar[] };
        const i = kvs.findIndex((k) => k.key === e.key);
        if (i >= 0) kvs[i] = kv;
        else kvs.push(kv);
        break;
      }
      case 'dropKv':
        kvs = kvs.filter((k) => k.key !== e.key);
        break;
      case 'truncateArray': {
        const kv = kvs.find((k) => k.key === e.key);
        if (kv && Array.isArray(kv.value)) kv.value = kv.value.slice(0, e.length);
        break;
      }
      case 'setArrayElement': {
        const kv = kvs.find((k) => k.key === e.key);
        if (kv && Array.isArray(kv.value)) kv.value[e.index] = e.value;
        break;
      }
      case 'dropTensor':
        tensors = tensors.filter((t) => t.name !== e.name);
        break;
      case 'reshapeTensor': {
        const t = findTensor(e.name);
        t.ne = bigintList(e.ne);
        t.data = resized(t.data, tensorBytes({ ne: t.ne.map(BigInt), type: t.type }));
        break;
      }
      case 'retypeTensor': {
        const t = findTensor(e.name);
        t.type = e.type;
        t.data = resized(t.data, tensorBytes({ ne: t.ne.map(BigInt), type: t.type }));
        break;
      }
      case 'renameTensor':
        findTensor(e.name).name = e.to;
        break;
      case 'duplicateTensor': {
        const t = findTensor(e.name);
        tensors.push({ ...t, ne: [...t.ne], data: Buffer.from(t.data) });
        break;
      }
      case 'addTensor': {
        const ne = bigintList(e.ne);
        tensors.push({ name: e.name, ne, type: e.type, data: Buffer.alloc(tensorBytes({ ne, type: e.type })) });
        break;
      }
      case 'fillTensor': {
        const t = findTensor(e.name);
        if (t.type !== 0) throw new Error('fillTensor needs an f32 tensor');
        for (let i = 0; i + 4 <= t.data.length; i += 4) t.data.writeFloatLE(e.value, i);
        break;
      }
      case 'alignment':
        alignment = e.value;
        kvs = kvs.filter((k) => k.key !== 'general.alignment');
        kvs.push({ key: 'general.alignment', type: GgufType.UINT32, isArray: false, value: e.value });
        break;
      case 'version':
        version = e.value;
        break;
    }
  }
  // A non-power-of-2 alignment cannot be laid out; write with 32 and declare the other.
  const layout = alignment > 0 && (alignment & (alignment - 1)) === 0 && alignment <= 4096 ? alignment : 32;
  return writeGguf(kvs, tensors, { alignment: layout, version });
}

function rawFile(name: RawGgufName, tiny: Buffer): Buffer {
  const str = (type: number, key: string, value: GgufScalar | GgufScalar[]): GgufKv => ({ key, type, isArray: Array.isArray(value), value });
  switch (name) {
    case 'magic-only':
      return Buffer.from('GGUF', 'latin1');
    case 'header-only':
      return encodeHeader(3, 0n, 0n);
    case 'empty-model':
      return writeGguf([], []);
    case 'huge-counts-no-content':
      return encodeHeader(3, 0xffffffffffffn, 0xffffffffffffn);
    case 'kv-only-architecture':
      return writeGguf([str(GgufType.STRING, 'general.architecture', 'llama')], []);
    case 'tokenizer-only': {
      const f = parseGguf(tiny);
      return writeGguf(f.kvs.filter((k) => k.key.startsWith('tokenizer.') || k.key === 'general.architecture'), []);
    }
    case 'zero-dim-tensor': {
      const f = parseGguf(tiny);
      const t = tensorsWithData(tiny, f);
      t[0] = { ...t[0]!, ne: [0n, 0n], data: Buffer.alloc(0) };
      return writeGguf(f.kvs, t);
    }
    case 'one-token-vocab': {
      const f = parseGguf(tiny);
      const kvs = f.kvs.map((k) => (Array.isArray(k.value) && k.key.startsWith('tokenizer.ggml.') ? { ...k, value: k.value.slice(0, 1) } : k));
      return writeGguf(kvs, tensorsWithData(tiny, f));
    }
    case 'big-endian-header': {
      const b = Buffer.from(tiny);
      b.writeUInt32BE(3, 4);
      return b;
    }
  }
}

/** The bytes of a case, given the bytes of its base. */
export function buildGguf(base: Buffer, c: GgufMutation, tiny: Buffer): Buffer {
  switch (c.kind) {
    case 'bitflip': {
      const out = Buffer.from(base);
      const f = parseGguf(base);
      const end = c.region === 'meta' ? f.infoEnd : out.length;
      const rand = prng(c.seed);
      for (let i = 0; i < c.flips; i++) {
        const pos = Math.floor(rand() * end);
        out[pos] = out[pos]! ^ (1 << Math.floor(rand() * 8));
      }
      return out;
    }
    case 'truncate':
      return Buffer.from(base.subarray(0, c.at));
    case 'set': {
      const out = Buffer.from(base);
      const { pos, width } = fieldPosition(parseGguf(base), c.field);
      writeField(out, pos, width, BigInt(c.value));
      return out;
    }
    case 'rewrite':
      return applyEdits(base, c.edits);
    case 'raw':
      return rawFile(c.name, tiny);
  }
}

// ---------------------------------------------------------------------------
// A tiny llama model written by the test (so the fuzzer runs without ../shared).
// ---------------------------------------------------------------------------

/**
 * A small llama-architecture model with a 64-token SentencePiece-style vocabulary (control
 * tokens, 32 byte tokens... trimmed to what llama.cpp's SPM vocabulary needs), embedding size
 * 16, 2 layers, 2 heads and random weights (seeded): llama.cpp loads it and generates from it.
 */
export function writeTinyLlama(seed = 1): Buffer {
  const rand = prng(seed);
  const tokens: string[] = ['<unk>', '<s>', '</s>'];
  const types: number[] = [2, 3, 3];
  for (let b = 0; b < 256; b++) {
    tokens.push(`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`);
    types.push(6);
  }
  const words = ['▁', '▁the', '▁a', '▁cat', '▁dog', '▁sat', '▁on', '▁mat', '▁once', '▁upon', '▁time', 'e', 't', 'a', 'o', 'n', 's', 'r', 'h', '.', ','];
  for (const w of words) {
    tokens.push(w);
    types.push(1);
  }
  const nVocab = tokens.length;
  const scores = tokens.map((_, i) => (i < 259 ? 0 : -i));
  const nEmbd = 16;
  const nHead = 2;
  const nFf = 32;
  const nLayer = 2;
  const kvs: GgufKv[] = [
    { key: 'general.architecture', type: GgufType.STRING, isArray: false, value: 'llama' },
    { key: 'general.name', type: GgufType.STRING, isArray: false, value: 'persona-gen fuzz tiny' },
    { key: 'llama.context_length', type: GgufType.UINT32, isArray: false, value: 128 },
    { key: 'llama.embedding_length', type: GgufType.UINT32, isArray: false, value: nEmbd },
    { key: 'llama.feed_forward_length', type: GgufType.UINT32, isArray: false, value: nFf },
    { key: 'llama.attention.head_count', type: GgufType.UINT32, isArray: false, value: nHead },
    { key: 'llama.attention.head_count_kv', type: GgufType.UINT32, isArray: false, value: nHead },
    { key: 'llama.block_count', type: GgufType.UINT32, isArray: false, value: nLayer },
    { key: 'llama.rope.dimension_count', type: GgufType.UINT32, isArray: false, value: nEmbd / nHead },
    { key: 'llama.attention.layer_norm_rms_epsilon', type: GgufType.FLOAT32, isArray: false, value: 1e-5 },
    { key: 'tokenizer.ggml.model', type: GgufType.STRING, isArray: false, value: 'llama' },
    { key: 'tokenizer.ggml.tokens', type: GgufType.STRING, isArray: true, value: tokens },
    { key: 'tokenizer.ggml.scores', type: GgufType.FLOAT32, isArray: true, value: scores },
    { key: 'tokenizer.ggml.token_type', type: GgufType.INT32, isArray: true, value: types },
    { key: 'tokenizer.ggml.bos_token_id', type: GgufType.UINT32, isArray: false, value: 1 },
    { key: 'tokenizer.ggml.eos_token_id', type: GgufType.UINT32, isArray: false, value: 2 },
    { key: 'tokenizer.ggml.unknown_token_id', type: GgufType.UINT32, isArray: false, value: 0 },
  ];
  const f32 = (n: number, scale: number): Buffer => {
    const b = Buffer.alloc(4 * n);
    for (let i = 0; i < n; i++) b.writeFloatLE((rand() * 2 - 1) * scale, 4 * i);
    return b;
  };
  const ones = (n: number): Buffer => {
    const b = Buffer.alloc(4 * n);
    for (let i = 0; i < n; i++) b.writeFloatLE(1, 4 * i);
    return b;
  };
  const tensors: GgufTensorToWrite[] = [
    { name: 'token_embd.weight', ne: [nEmbd, nVocab], type: 0, data: f32(nEmbd * nVocab, 0.5) },
    { name: 'output_norm.weight', ne: [nEmbd], type: 0, data: ones(nEmbd) },
    { name: 'output.weight', ne: [nEmbd, nVocab], type: 0, data: f32(nEmbd * nVocab, 0.5) },
  ];
  for (let l = 0; l < nLayer; l++) {
    const p = `blk.${l}.`;
    tensors.push(
      { name: `${p}attn_norm.weight`, ne: [nEmbd], type: 0, data: ones(nEmbd) },
      { name: `${p}attn_q.weight`, ne: [nEmbd, nEmbd], type: 0, data: f32(nEmbd * nEmbd, 0.3) },
      { name: `${p}attn_k.weight`, ne: [nEmbd, nEmbd], type: 0, data: f32(nEmbd * nEmbd, 0.3) },
      { name: `${p}attn_v.weight`, ne: [nEmbd, nEmbd], type: 0, data: f32(nEmbd * nEmbd, 0.3) },
      { name: `${p}attn_output.weight`, ne: [nEmbd, nEmbd], type: 0, data: f32(nEmbd * nEmbd, 0.3) },
      { name: `${p}ffn_norm.weight`, ne: [nEmbd], type: 0, data: ones(nEmbd) },
      { name: `${p}ffn_gate.weight`, ne: [nEmbd, nFf], type: 0, data: f32(nEmbd * nFf, 0.3) },
      { name: `${p}ffn_down.weight`, ne: [nFf, nEmbd], type: 0, data: f32(nEmbd * nFf, 0.3) },
      { name: `${p}ffn_up.weight`, ne: [nEmbd, nFf], type: 0, data: f32(nEmbd * nFf, 0.3) },
    );
  }
  return writeGguf(kvs, tensors);
}
