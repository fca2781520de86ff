/**
 * A small GGUF (v2/v3) reader and writer for the fuzz tests: it parses a file into its key/value
 * pairs and tensor infos, remembering the byte offset of every field (so that a mutation can
 * overwrite exactly one declared size or count), and writes a model back from the parsed form
 * (so that tests can build semantically broken but well-formed files).
 *
 * Layout (little-endian): "GGUF" | u32 version | u64 n_tensors | u64 n_kv | n_kv × KV |
 * n_tensors × tensor info | padding to `general.alignment` (default 32) | tensor data.
 * KV: string key | u32 type | value; an array value is u32 element type | u64 count | elements.
 * A string is u64 length | bytes. Tensor info: string name | u32 n_dims | n_dims × i64 ne |
 * u32 ggml type | u64 offset (relative to the data section).
 *
 * This is the project's one GGUF reader in TypeScript; the product reads GGUF files only in
 * native code, through one reader (native/GgufPrecheck.h: `checkGgufFile`, `openGgufMetadata`).
 * The fuzz tests keep a reader of their own because a mutation needs the byte offset of every
 * field, which llama.cpp's GGUF API does not report, and because the inputs of a fuzzer must not
 * be made with the parser under test. Each value type is described once ({@link SCALARS}), for
 * reading and writing alike.
 */

/** GGUF value types. */
export const GgufType = {
  UINT8: 0,
  INT8: 1,
  UINT16: 2,
  INT16: 3,
  UINT32: 4,
  INT32: 5,
  FLOAT32: 6,
  BOOL: 7,
  STRING: 8,
  ARRAY: 9,
  UINT64: 10,
  INT64: 11,
  FLOAT64: 12,
} as const;

/** How a scalar GGUF type is read from and written to a buffer (little-endian). */
interface ScalarCodec {
  bytes: number;
  read(b: Buffer, pos: number): GgufScalar;
  /** Writes `v` at the start of `b` (wrapped to the type's width for integers). */
  write(b: Buffer, v: GgufScalar): void;
}

const asBig = (v: GgufScalar): bigint => BigInt(v as number);

/** Every scalar (non-string, non-array) GGUF type, by type id. */
const SCALARS: Record<number, ScalarCodec> = {
  [GgufType.UINT8]: { bytes: 1, read: (b, p) => b.readUInt8(p), write: (b, v) => b.writeUInt8(Number(v) & 0xff) },
  [GgufType.INT8]: { bytes: 1, read: (b, p) => b.readInt8(p), write: (b, v) => b.writeInt8(Number(v)) },
  [GgufType.UINT16]: { bytes: 2, read: (b, p) => b.readUInt16LE(p), write: (b, v) => b.writeUInt16LE(Number(v) & 0xffff) },
  [GgufType.INT16]: { bytes: 2, read: (b, p) => b.readInt16LE(p), write: (b, v) => b.writeInt16LE(Number(v)) },
  [GgufType.UINT32]: { bytes: 4, read: (b, p) => b.readUInt32LE(p), write: (b, v) => b.writeUInt32LE(Number(BigInt.asUintN(32, asBig(v)))) },
  [GgufType.INT32]: { bytes: 4, read: (b, p) => b.readInt32LE(p), write: (b, v) => b.writeInt32LE(Number(BigInt.asIntN(32, asBig(v)))) },
  [GgufType.FLOAT32]: { bytes: 4, read: (b, p) => b.readFloatLE(p), write: (b, v) => b.writeFloatLE(Number(v)) },
  [GgufType.BOOL]: { bytes: 1, read: (b, p) => b.readUInt8(p) !== 0, write: (b, v) => b.writeUInt8(v ? 1 : 0) },
  [GgufType.UINT64]: { bytes: 8, read: (b, p) => b.readBigUInt64LE(p), write: (b, v) => b.writeBigUInt64LE(BigInt.asUintN(64, asBig(v))) },
  [GgufType.INT64]: { bytes: 8, read: (b, p) => b.readBigInt64LE(p), write: (b, v) => b.writeBigInt64LE(BigInt.asIntN(64, asBig(v))) },
  [GgufType.FLOAT64]: { bytes: 8, read: (b, p) => b.readDoubleLE(p), write: (b, v) => b.writeDoubleLE(Number(v)) },
};

/** A scalar GGUF value as JavaScript holds it. */
export type GgufScalar = number | bigint | boolean | string;

/** One key/value pair. */
export interface GgufKv {
  key: string;
  /** Value type; for arrays, the element type (and `isArray` is set). */
  type: number;
  isArray: boolean;
  value: GgufScalar | GgufScalar[];
}

/** Where the fields of a KV pair are in the file. */
export interface GgufKvOffsets {
  /** Offset of the u64 key length. */
  keyLength: number;
  /** Offset of the u32 value type. */
  type: number;
  /** Arrays: offset of the u32 element type and the u64 count. */
  arrayType?: number;
  arrayCount?: number;
  /** Offset of the first byte of the value. */
  value: number;
  /** Offsets of the u64 length of each string (a string value, or every element of a string array). */
  stringLengths: number[];
  /** Offset just past the value. */
  end: number;
}

/** One tensor info. */
export interface GgufTensorInfo {
  name: string;
  ne: bigint[];
  /** ggml type id. */
  type: number;
  /** Offset of the data, relative to the data section. */
  offset: bigint;
}

/** Where the fields of a tensor info are in the file. */
export interface GgufTensorOffsets {
  nameLength: number;
  nDims: number;
  /** Offset of each i64 dimension. */
  ne: number[];
  type: number;
  offset: number;
  end: number;
}

/** A parsed GGUF file. */
export interface GgufFile {
  version: number;
  kvs: GgufKv[];
  kvOffsets: GgufKvOffsets[];
  tensors: GgufTensorInfo[];
  tensorOffsets: GgufTensorOffsets[];
  alignment: number;
  /** Offset of the u64 tensor count and the u64 KV count. */
  nTensorsOffset: number;
  nKvOffset: number;
  /** End of the tensor infos (before the padding) and start of the data section. */
  infoEnd: number;
  dataOffset: number;
}

class Reader {
  pos = 0;
  constructor(readonly buf: Buffer) {}
  need(n: number): void {
    if (this.pos + n > this.buf.length) throw new Error(`GGUF ends at byte ${this.buf.length}, needed ${n} bytes at ${this.pos}`);
  }
  u32(): number {
    this.need(4);
    const v = this.buf.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }
  u64(): bigint {
    this.need(8);
    const v = this.buf.readBigUInt64LE(this.pos);
    this.pos += 8;
    return v;
  }
  i64(): bigint {
    this.need(8);
    const v = this.buf.readBigInt64LE(this.pos);
    this.pos += 8;
    return v;
  }
  str(lengths: number[]): string {
    lengths.push(this.pos);
    const n = Number(this.u64());
    this.need(n);
    const s = this.buf.toString('utf8', this.pos, this.pos + n);
    this.pos += n;
    return s;
  }
  scalar(type: number, lengths: number[]): GgufScalar {
    if (type === GgufType.STRING) return this.str(lengths);
    const codec = SCALARS[type];
    if (codec === undefined) throw new Error(`unknown GGUF type ${type} at ${this.pos}`);
    this.need(codec.bytes);
    const p = this.pos;
    this.pos += codec.bytes;
    return codec.read(this.buf, p);
  }
}

/** Parses a GGUF file; throws when it is not one (the fuzz tests only parse valid files). */
export function parseGguf(buf: Buffer): GgufFile {
  const r = new Reader(buf);
  if (buf.toString('latin1', 0, 4) !== 'GGUF') throw new Error('not a GGUF file');
  r.pos = 4;
  const version = r.u32();
  const nTensorsOffset = r.pos;
  const nTensors = Number(r.u64());
  const nKvOffset = r.pos;
  const nKv = Number(r.u64());
  const kvs: GgufKv[] = [];
  const kvOffsets: GgufKvOffsets[] = [];
  for (let i = 0; i < nKv; i++) {
    const stringLengths: number[] = [];
    const keyLength = r.pos;
    const key = r.str([]);
    const typePos = r.pos;
    let type = r.u32();
    if (type === GgufType.ARRAY) {
      const arrayType = r.pos;
      type = r.u32();
      const arrayCount = r.pos;
      const n = Number(r.u64());
      const value = r.pos;
      const values: GgufScalar[] = [];
      for (let k = 0; k < n; k++) values.push(r.scalar(type, stringLengths));
      kvs.push({ key, type, isArray: true, value: values });
      kvOffsets.push({ keyLength, type: typePos, arrayType, arrayCount, value, stringLengths, end: r.pos });
    } else {
      const value = r.pos;
      kvs.push({ key, type, isArray: false, value: r.scalar(type, stringLengths) });
      kvOffsets.push({ keyLength, type: typePos, value, stringLengths, end: r.pos });
    }
  }
  const tensors: GgufTensorInfo[] = [];
  const tensorOffsets: GgufTensorOffsets[] = [];
  for (let i = 0; i < nTensors; i++) {
    const nameLength = r.pos;
    const name = r.str([]);
    const nDimsPos = r.pos;
    const nDims = r.u32();
    const nePos: number[] = [];
    const ne: bigint[] = [];
    for (let d = 0; d < nDims; d++) {
      nePos.push(r.pos);
      ne.push(r.i64());
    }
    const typePos = r.pos;
    const type = r.u32();
    const offsetPos = r.pos;
    const offset = r.u64();
    tensors.push({ name, ne, type, offset });
    tensorOffsets.push({ nameLength, nDims: nDimsPos, ne: nePos, type: typePos, offset: offsetPos, end: r.pos });
  }
  const alignKv = kvs.find((k) => k.key === 'general.alignment');
  const alignment = alignKv && typeof alignKv.value === 'number' ? alignKv.value : 32;
  const infoEnd = r.pos;
  const dataOffset = Math.ceil(infoEnd / alignment) * alignment;
  return { version, kvs, kvOffsets, tensors, tensorOffsets, alignment, nTensorsOffset, nKvOffset, infoEnd, dataOffset };
}

/** The bytes of ggml types the tests use, per block, and their block sizes. */
const GGML_TYPE_SIZE: Record<number, { bytes: number; block: number }> = {
  0: { bytes: 4, block: 1 }, // f32
  1: { bytes: 2, block: 1 }, // f16
  8: { bytes: 34, block: 32 }, // q8_0
};

/** Bytes of a tensor's data (types f32, f16, q8_0 only). */
export function tensorBytes(t: Pick<GgufTensorInfo, 'ne' | 'type'>): number {
  const s = GGML_TYPE_SIZE[t.type];
  if (!s) throw new Error(`tensorBytes: ggml type ${t.type} is not known to the test writer`);
  const n = t.ne.reduce((a, b) => a * Number(b), 1);
  return (n / s.block) * s.bytes;
}

/** A tensor to write: its info (offset is computed) and its bytes. */
export interface GgufTensorToWrite {
  name: string;
  ne: (number | bigint)[];
  type: number;
  data: Buffer;
}

function encodeString(s: string): Buffer {
  const b = Buffer.from(s, 'utf8');
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(b.length));
  return Buffer.concat([len, b]);
}

function encodeScalar(type: number, v: GgufScalar): Buffer {
  if (type === GgufType.STRING) return encodeString(String(v));
  const codec = SCALARS[type];
  if (codec === undefined) throw new Error(`cannot encode GGUF type ${type}`);
  const b = Buffer.alloc(codec.bytes);
  codec.write(b, v);
  return b;
}

/** Encodes one KV pair. */
export function encodeKv(kv: GgufKv): Buffer {
  const parts: Buffer[] = [encodeString(kv.key)];
  const t = Buffer.alloc(4);
  if (kv.isArray) {
    t.writeUInt32LE(GgufType.ARRAY);
    const et = Buffer.alloc(4);
    et.writeUInt32LE(kv.type);
    const values = kv.value as GgufScalar[];
    const n = Buffer.alloc(8);
    n.writeBigUInt64LE(BigInt(values.length));
    parts.push(t, et, n, ...values.map((v) => encodeScalar(kv.type, v)));
  } else {
    t.writeUInt32LE(kv.type);
    parts.push(t, encodeScalar(kv.type, kv.value as GgufScalar));
  }
  return Buffer.concat(parts);
}

/** The 24-byte header: magic, version, tensor count and KV count (any values, for mutations). */
export function encodeHeader(version: number, nTensors: bigint, nKv: bigint): Buffer {
  const b = Buffer.alloc(24);
  b.write('GGUF', 0, 'latin1');
  b.writeUInt32LE(version, 4);
  b.writeBigUInt64LE(nTensors, 8);
  b.writeBigUInt64LE(nKv, 16);
  return b;
}

/**
 * Writes a GGUF v3 file from KV pairs and tensors (offsets computed, data padded to the
 * alignment). `tensorCount`/`kvCount` override the declared counts (for mutations).
 */
export function writeGguf(
  kvs: GgufKv[],
  tensors: GgufTensorToWrite[],
  opts: { alignment?: number; version?: number; tensorCount?: bigint; kvCount?: bigint } = {},
): Buffer {
  const alignment = opts.alignment ?? 32;
  const pad = (n: number): number => Math.ceil(n / alignment) * alignment;
  const head = encodeHeader(opts.version ?? 3, opts.tensorCount ?? BigInt(tensors.length), opts.kvCount ?? BigInt(kvs.length));
  const parts: Buffer[] = [head, ...kvs.map(encodeKv)];
  let offset = 0;
  const datas: Buffer[] = [];
  for (const t of tensors) {
    const info: Buffer[] = [encodeString(t.name)];
    const nd = Buffer.alloc(4);
    nd.writeUInt32LE(t.ne.length);
    info.push(nd);
    for (const d of t.ne) {
      const b = Buffer.alloc(8);
      b.writeBigInt64LE(BigInt.asIntN(64, BigInt(d)));
      info.push(b);
    }
    const tb = Buffer.alloc(12);
    tb.writeUInt32LE(t.type, 0);
    tb.writeBigUInt64LE(BigInt(offset), 4);
    info.push(tb);
    parts.push(...info);
    const padded = Buffer.alloc(pad(t.data.length));
    t.data.copy(padded);
    datas.push(padded);
    offset += padded.length;
  }
  const meta = Buffer.concat(parts);
  const gap = Buffer.alloc(tensors.length > 0 ? pad(meta.length) - meta.length : 0);
  return Buffer.concat([meta, gap, ...datas]);
}

/** The tensors of a parsed file with their data, ready for {@link writeGguf}. */
export function tensorsWithData(buf: Buffer, file: GgufFile): GgufTensorToWrite[] {
  return file.tensors.map((t) => {
    const start = file.dataOffset + Number(t.offset);
    return { name: t.name, ne: [...t.ne], type: t.type, data: Buffer.from(buf.subarray(start, start + tensorBytes(t))) };
  });
}
