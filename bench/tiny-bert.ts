/**
 * Builds a tiny BERT-like feature-extraction model on disk, loadable through the real
 * transformers.js path (`env.localModelPath` + `allowRemoteModels = false`).
 *
 * The ONNX graph is `last_hidden_state = (E[input_ids] + T[token_type_ids]) * attention_mask[..., None]`
 * so mean pooling over it is meaningful and can be recomputed by hand from the tables.
 * The ONNX protobuf is written with a minimal encoder (no protobuf dependency).
 * Used by the embeddings benchmark and by the embedder's tests.
 * @module
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { seededRandom } from './prng.js';

// ---------------------------------------------------------------------------
// Minimal protobuf writer
// ---------------------------------------------------------------------------

/** Encodes one protobuf message from a list of fields. */
class ProtoWriter {
  private readonly parts: Uint8Array[] = [];

  private push(bytes: Uint8Array | number[]): void {
    this.parts.push(bytes instanceof Uint8Array ? bytes : Uint8Array.from(bytes));
  }

  private static varint(value: bigint): number[] {
    let v = BigInt.asUintN(64, value);
    const out: number[] = [];
    do {
      let byte = Number(v & 0x7fn);
      v >>= 7n;
      if (v !== 0n) byte |= 0x80;
      out.push(byte);
    } while (v !== 0n);
    return out;
  }

  private key(field: number, wire: number): void {
    this.push(ProtoWriter.varint(BigInt((field << 3) | wire)));
  }

  int(field: number, value: number | bigint): this {
    this.key(field, 0);
    this.push(ProtoWriter.varint(BigInt(value)));
    return this;
  }

  bytes(field: number, value: Uint8Array): this {
    this.key(field, 2);
    this.push(ProtoWriter.varint(BigInt(value.length)));
    this.push(value);
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, new TextEncoder().encode(value));
  }

  message(field: number, msg: ProtoWriter): this {
    return this.bytes(field, msg.finish());
  }

  finish(): Uint8Array {
    const total = this.parts.reduce((n, p) => n + p.length, 0);
    const out = new Uint8Array(total);
    let off = 0;
    for (const p of this.parts) {
      out.set(p, off);
      off += p.length;
    }
    return out;
  }
}

// ONNX enums
const FLOAT = 1;
const INT64 = 7;
const ATTR_INT = 2;

function tensorFloat(name: string, dims: number[], data: Float32Array): ProtoWriter {
  const w = new ProtoWriter();
  for (const d of dims) w.int(1, d);
  w.int(2, FLOAT);
  w.string(8, name);
  w.bytes(9, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  return w;
}

function tensorInt64(name: string, dims: number[], data: bigint[]): ProtoWriter {
  const w = new ProtoWriter();
  for (const d of dims) w.int(1, d);
  w.int(2, INT64);
  w.string(8, name);
  const raw = new BigInt64Array(data);
  w.bytes(9, new Uint8Array(raw.buffer));
  return w;
}

function valueInfo(name: string, elemType: number, dims: (number | string)[]): ProtoWriter {
  const shape = new ProtoWriter();
  for (const d of dims) {
    const dim = new ProtoWriter();
    if (typeof d === 'number') dim.int(1, d);
    else dim.string(2, d);
    shape.message(1, dim);
  }
  const tensorType = new ProtoWriter().int(1, elemType).message(2, shape);
  const type = new ProtoWriter().message(1, tensorType);
  return new ProtoWriter().string(1, name).message(2, type);
}

function node(op: string, inputs: string[], outputs: string[], name: string, attrs: ProtoWriter[] = []): ProtoWriter {
  const w = new ProtoWriter();
  for (const i of inputs) w.string(1, i);
  for (const o of outputs) w.string(2, o);
  w.string(3, name);
  w.string(4, op);
  for (const a of attrs) w.message(5, a);
  return w;
}

function intAttr(name: string, value: number): ProtoWriter {
  return new ProtoWriter().string(1, name).int(3, value).int(20, ATTR_INT);
}

/** Serialises the tiny BERT-like graph to ONNX bytes. */
export function buildTinyBertOnnx(embeddings: Float32Array, vocabSize: number, dims: number, typeEmbeddings: Float32Array): Uint8Array {
  const graph = new ProtoWriter();
  graph.message(1, node('Gather', ['word_embeddings', 'input_ids'], ['words'], 'gather_words', [intAttr('axis', 0)]));
  graph.message(1, node('Gather', ['type_embeddings', 'token_type_ids'], ['types'], 'gather_types', [intAttr('axis', 0)]));
  graph.message(1, node('Add', ['words', 'types'], ['summed'], 'add'));
  graph.message(1, node('Cast', ['attention_mask'], ['mask_f'], 'cast', [intAttr('to', FLOAT)]));
  graph.message(1, node('Unsqueeze', ['mask_f', 'unsqueeze_axes'], ['mask3'], 'unsqueeze'));
  graph.message(1, node('Mul', ['summed', 'mask3'], ['last_hidden_state'], 'mul'));
  graph.string(2, 'tiny-bert');
  graph.message(5, tensorFloat('word_embeddings', [vocabSize, dims], embeddings));
  graph.message(5, tensorFloat('type_embeddings', [2, dims], typeEmbeddings));
  graph.message(5, tensorInt64('unsqueeze_axes', [1], [2n]));
  graph.message(11, valueInfo('input_ids', INT64, ['batch', 'seq']));
  graph.message(11, valueInfo('attention_mask', INT64, ['batch', 'seq']));
  graph.message(11, valueInfo('token_type_ids', INT64, ['batch', 'seq']));
  graph.message(12, valueInfo('last_hidden_state', FLOAT, ['batch', 'seq', dims]));

  const model = new ProtoWriter();
  model.int(1, 8); // ir_version
  model.string(2, 'persona-gen-tests');
  model.message(7, graph);
  model.message(8, new ProtoWriter().string(1, '').int(2, 13)); // opset_import: default domain, opset 13
  return model.finish();
}

// ---------------------------------------------------------------------------
// Tokenizer and config files
// ---------------------------------------------------------------------------

/** Special tokens of the tiny vocabulary, in id order. */
export const TINY_SPECIALS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'] as const;

/** Words of the tiny vocabulary (lower-case; the tokenizer lower-cases input). */
export const TINY_WORDS = [
  'the', 'a', 'cat', 'dog', 'sat', 'on', 'mat', 'ran', 'fast', 'slow', 'paper', 'abstract', 'model', 'user',
  'review', 'great', 'bad', 'product', 'story', 'reddit', 'post', ',', '.', '##s', '##ing', 'is', 'and', 'of',
] as const;

/** The built model: where it lives and its exact weights for hand computations. */
export interface TinyModel {
  /** Folder to use as `env.localModelPath` (holds `test/tiny-bert/`). */
  localModelPath: string;
  /** Model id relative to `localModelPath`. */
  modelId: string;
  /** Absolute folder of the model. */
  modelDir: string;
  /** Token → id. */
  vocab: Map<string, number>;
  vocabSize: number;
  dims: number;
  /** Row-major `[vocabSize, dims]` word embedding table. */
  embeddings: Float32Array;
  /** Row-major `[2, dims]` token type table. */
  typeEmbeddings: Float32Array;
}


/**
 * Writes the tiny model into `<root>/models/test/tiny-bert/` (config.json, tokenizer.json,
 * tokenizer_config.json, onnx/model.onnx) and returns its description.
 */
export function writeTinyBert(root: string, opts: { dims?: number; seed?: number; name?: string } = {}): TinyModel {
  const dims = opts.dims ?? 8;
  const name = opts.name ?? 'tiny-bert';
  const tokens = [...TINY_SPECIALS, ...TINY_WORDS];
  const vocab = new Map<string, number>(tokens.map((t, i) => [t, i] as const));
  const vocabSize = tokens.length;
  const rand = seededRandom(opts.seed ?? 7);
  const embeddings = new Float32Array(vocabSize * dims).map(() => rand());
  const typeEmbeddings = new Float32Array(2 * dims).map(() => rand() * 0.1);

  const localModelPath = path.join(root, 'models');
  const modelId = `test/${name}`;
  const modelDir = path.join(localModelPath, 'test', name);
  mkdirSync(path.join(modelDir, 'onnx'), { recursive: true });
  writeFileSync(path.join(modelDir, 'onnx', 'model.onnx'), buildTinyBertOnnx(embeddings, vocabSize, dims, typeEmbeddings));

  const id = (t: string): number => vocab.get(t) ?? 1;
  const tokenizer = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: TINY_SPECIALS.map((content, i) => ({
      id: i, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true,
    })),
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [
        { SpecialToken: { id: '[CLS]', type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: '[SEP]', type_id: 0 } },
      ],
      pair: [
        { SpecialToken: { id: '[CLS]', type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: '[SEP]', type_id: 0 } },
        { Sequence: { id: 'B', type_id: 1 } },
        { SpecialToken: { id: '[SEP]', type_id: 1 } },
      ],
      special_tokens: {
        '[CLS]': { id: '[CLS]', ids: [id('[CLS]')], tokens: ['[CLS]'] },
        '[SEP]': { id: '[SEP]', ids: [id('[SEP]')], tokens: ['[SEP]'] },
      },
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: {
      type: 'WordPiece',
      unk_token: '[UNK]',
      continuing_subword_prefix: '##',
      max_input_chars_per_word: 100,
      vocab: Object.fromEntries(vocab),
    },
  };
  writeFileSync(path.join(modelDir, 'tokenizer.json'), JSON.stringify(tokenizer));
  writeFileSync(
    path.join(modelDir, 'tokenizer_config.json'),
    JSON.stringify({
      tokenizer_class: 'BertTokenizer',
      do_lower_case: true,
      model_max_length: 512,
      cls_token: '[CLS]', sep_token: '[SEP]', pad_token: '[PAD]', unk_token: '[UNK]', mask_token: '[MASK]',
    }),
  );
  writeFileSync(
    path.join(modelDir, 'config.json'),
    JSON.stringify({
      model_type: 'bert',
      architectures: ['BertModel'],
      hidden_size: dims,
      vocab_size: vocabSize,
      num_hidden_layers: 1,
      num_attention_heads: 1,
      max_position_embeddings: 512,
      type_vocab_size: 2,
      pad_token_id: 0,
    }),
  );
  return { localModelPath, modelId, modelDir, vocab, vocabSize, dims, embeddings, typeEmbeddings };
}

/**
 * Hand computation of what the pipeline should return for a text whose WordPiece ids are `ids`
 * (without [CLS]/[SEP]; they are added here): mean of (E[id] + T[0]) over all tokens, L2-normalised.
 */
export function expectedEmbedding(model: TinyModel, ids: number[]): Float32Array {
  const all = [model.vocab.get('[CLS]')!, ...ids, model.vocab.get('[SEP]')!];
  const out = new Float64Array(model.dims);
  for (const id of all) {
    for (let d = 0; d < model.dims; d++) out[d] += model.embeddings[id * model.dims + d] + model.typeEmbeddings[d];
  }
  for (let d = 0; d < model.dims; d++) out[d] /= all.length;
  const norm = Math.hypot(...out);
  return Float32Array.from(out, (v) => v / norm);
}
