/**
 * The GGUF fuzz corpus: a deterministic list of {@link GgufCase}s derived from a base file (its
 * parsed layout says where every count, size, type and offset is), from a seed.
 */
import { GgufType, type GgufFile, type GgufScalar } from './gguf-file.js';
import { prng, type GgufCase, type GgufEdit, type GgufFieldRef } from './gguf-mutations.js';

const U64_VALUES = [
  '0',
  '1',
  '2',
  '255',
  '65535',
  '2147483647',
  '2147483648',
  '4294967295',
  '4294967296',
  '1099511627776',
  '4611686018427387904',
  '9223372036854775807',
  '9223372036854775808',
  '18446744073709551615',
  '18446744073709551614',
];
const U32_VALUES = ['0', '1', '7', '8', '12', '13', '31', '39', '40', '255', '2147483647', '2147483648', '4294967295'];

function pick<T>(rand: () => number, xs: readonly T[]): T {
  return xs[Math.floor(rand() * xs.length)]!;
}

/**
 * Field-overwrite cases: every header count, and for a sample of KV pairs and tensor infos each
 * of their declared sizes, counts, types, dimensions and offsets, set to boundary values.
 */
function fieldCases(base: 'stories' | 'tiny', f: GgufFile, rand: () => number, budget: number): GgufCase[] {
  const out: GgufCase[] = [];
  const add = (field: GgufFieldRef, value: string): void => {
    out.push({ id: `${base}/set/${JSON.stringify(field)}=${value}`, base, mutation: { kind: 'set', field, value } });
  };
  for (const v of U32_VALUES) add({ at: 'version' }, v);
  for (const v of U64_VALUES) {
    add({ at: 'nTensors' }, v);
    add({ at: 'nKv' }, v);
  }
  const candidates: (() => void)[] = [];
  f.kvs.forEach((kv, i) => {
    candidates.push(() => add({ at: 'kvKeyLength', kv: i }, pick(rand, U64_VALUES)));
    candidates.push(() => add({ at: 'kvType', kv: i }, pick(rand, U32_VALUES)));
    if (kv.isArray) {
      candidates.push(() => add({ at: 'kvArrayType', kv: i }, pick(rand, U32_VALUES)));
      candidates.push(() => add({ at: 'kvArrayCount', kv: i }, pick(rand, U64_VALUES)));
    } else if (kv.type !== GgufType.STRING) {
      candidates.push(() => add({ at: 'kvValue', kv: i }, pick(rand, U64_VALUES)));
    }
    const nStrings = f.kvOffsets[i]!.stringLengths.length;
    if (nStrings > 0) candidates.push(() => add({ at: 'kvStringLength', kv: i, element: Math.floor(rand() * nStrings) }, pick(rand, U64_VALUES)));
  });
  f.tensors.forEach((t, i) => {
    candidates.push(() => add({ at: 'tensorNameLength', tensor: i }, pick(rand, U64_VALUES)));
    candidates.push(() => add({ at: 'tensorNDims', tensor: i }, pick(rand, U32_VALUES)));
    candidates.push(() => add({ at: 'tensorType', tensor: i }, pick(rand, U32_VALUES)));
    candidates.push(() => add({ at: 'tensorOffset', tensor: i }, pick(rand, U64_VALUES)));
    t.ne.forEach((_, d) => candidates.push(() => add({ at: 'tensorNe', tensor: i, dim: d }, pick(rand, U64_VALUES))));
  });
  while (out.length < budget && candidates.length > 0) {
    const i = Math.floor(rand() * candidates.length);
    candidates[i]!();
    if (rand() < 0.5) candidates.splice(i, 1);
  }
  return out;
}

/** Semantic edits: well-formed files whose metadata or tensors do not describe a usable model. */
export function semanticEdits(arch: string, nVocab: number): { name: string; edits: GgufEdit[] }[] {
  const u32 = (key: string, value: number): GgufEdit => ({ op: 'setKv', key, type: GgufType.UINT32, value });
  const out: { name: string; edits: GgufEdit[] }[] = [];
  const hp = (k: string): string => `${arch}.${k}`;
  for (const [key, values] of [
    [hp('embedding_length'), [0, 1, 63, 65, 128, 0xffffffff]],
    [hp('attention.head_count'), [0, 3, 7, 16, 64, 0xffffffff]],
    [hp('attention.head_count_kv'), [0, 3, 16, 0xffffffff]],
    [hp('block_count'), [0, 1, 6, 1000, 0xffffffff]],
    [hp('context_length'), [0, 1, 0xffffffff]],
    [hp('feed_forward_length'), [0, 1, 0xffffffff]],
    [hp('rope.dimension_count'), [0, 7, 9, 64, 0xffffffff]],
    [hp('attention.key_length'), [0, 1, 4096, 0xffffffff]],
    [hp('attention.value_length'), [0, 1, 0xffffffff]],
    [hp('expert_count'), [0, 2, 256]],
    [hp('expert_used_count'), [1, 2, 300]],
    [hp('vocab_size'), [0, 1, nVocab + 1, 0xffffffff]],
    ['tokenizer.ggml.bos_token_id', [nVocab, nVocab + 1000, 0x7fffffff, 0x80000000, 0xfffffffe]],
    ['tokenizer.ggml.eos_token_id', [nVocab, 0x7fffffff, 0xfffffffe]],
    ['tokenizer.ggml.unknown_token_id', [nVocab, 0x80000000]],
    ['tokenizer.ggml.padding_token_id', [nVocab, 0x7fffffff]],
    ['tokenizer.ggml.seperator_token_id', [nVocab]],
    ['tokenizer.ggml.eot_token_id', [nVocab, 0x7fffffff]],
    ['tokenizer.ggml.mask_token_id', [nVocab]],
  ] as const) {
    for (const v of values) out.push({ name: `${key}=${v}`, edits: [u32(key, v)] });
  }
  out.push({ name: 'expert 4 used 8', edits: [u32(hp('expert_count'), 4), u32(hp('expert_used_count'), 8)] });
  out.push({ name: 'expert 4 used 0', edits: [u32(hp('expert_count'), 4), u32(hp('expert_used_count'), 0)] });
  for (const v of [NaN, -1, 0, Infinity, 1e30]) {
    out.push({ name: `rms_eps=${v}`, edits: [{ op: 'setKv', key: hp('attention.layer_norm_rms_epsilon'), type: GgufType.FLOAT32, value: v }] });
    out.push({ name: `rope.freq_base=${v}`, edits: [{ op: 'setKv', key: hp('rope.freq_base'), type: GgufType.FLOAT32, value: v }] });
  }
  // Wrong types of known keys.
  const retype: [string, number, GgufScalar][] = [
    [hp('embedding_length'), GgufType.STRING, 'sixty-four'],
    [hp('embedding_length'), GgufType.FLOAT32, 64.5],
    [hp('embedding_length'), GgufType.INT8, -1],
    [hp('embedding_length'), GgufType.UINT64, 64n],
    [hp('block_count'), GgufType.INT32, -5],
    [hp('attention.head_count'), GgufType.STRING, '8'],
    [hp('attention.layer_norm_rms_epsilon'), GgufType.STRING, 'tiny'],
    ['general.architecture', GgufType.UINT32, 7],
    ['tokenizer.ggml.model', GgufType.UINT32, 1],
    ['tokenizer.ggml.bos_token_id', GgufType.STRING, '1'],
    ['tokenizer.ggml.bos_token_id', GgufType.INT32, -2],
    ['tokenizer.ggml.add_bos_token', GgufType.STRING, 'yes'],
    ['tokenizer.ggml.add_bos_token', GgufType.UINT32, 7],
    ['tokenizer.ggml.tokens', GgufType.STRING, 'not an array'],
    ['tokenizer.chat_template', GgufType.UINT32, 3],
    ['general.alignment', GgufType.STRING, '32'],
    ['general.alignment', GgufType.UINT64, 32n],
  ];
  for (const [key, type, value] of retype) {
    out.push({ name: `${key} as type ${type}`, edits: [{ op: 'setKv', key, type, isArray: false, value }] });
  }
  // Per-layer arrays where a scalar is expected (llama.cpp accepts some), of wrong lengths.
  for (const n of [0, 1, 3, 10000]) {
    out.push({
      name: `head_count as array of ${n}`,
      edits: [{ op: 'setKv', key: hp('attention.head_count'), type: GgufType.UINT32, isArray: true, value: Array.from({ length: n }, () => 8) }],
    });
  }
  out.push({ name: 'feed_forward_length as array of zeros', edits: [{ op: 'setKv', key: hp('feed_forward_length'), type: GgufType.UINT32, isArray: true, value: [0, 0, 0, 0, 0] }] });
  out.push({ name: 'embedding_length as empty string array', edits: [{ op: 'setKv', key: hp('embedding_length'), type: GgufType.STRING, isArray: true, value: [] }] });
  // Architectures.
  for (const a of ['', 'unknown-arch', 'qwen2', 'gpt2', 'bert', 'mamba', 'gemma3', 't5', 'clip', 'rwkv6', 'deepseek2', 'llama4', 'phi3', 'falcon']) {
    out.push({ name: `architecture=${a}`, edits: [{ op: 'setKv', key: 'general.architecture', type: GgufType.STRING, value: a }] });
  }
  out.push({ name: 'no architecture', edits: [{ op: 'dropKv', key: 'general.architecture' }] });
  // Tokenizer.
  for (const m of ['', 'none', 'gpt2', 'bert', 't5', 'rwkv', 'plamo2', 'no_vocab', 'unknown']) {
    out.push({ name: `tokenizer.model=${m}`, edits: [{ op: 'setKv', key: 'tokenizer.ggml.model', type: GgufType.STRING, value: m }] });
  }
  out.push({
    name: 'gpt2 tokenizer with bad merges',
    edits: [
      { op: 'setKv', key: 'tokenizer.ggml.model', type: GgufType.STRING, value: 'gpt2' },
      { op: 'setKv', key: 'tokenizer.ggml.merges', type: GgufType.STRING, isArray: true, value: ['a', 'b c d', '', ' ', 'x y'] },
    ],
  });
  for (const t of ['unknown', '', 'yarn', 'longrope', 'none']) {
    out.push({ name: `rope.scaling.type=${t}`, edits: [{ op: 'setKv', key: hp('rope.scaling.type'), type: GgufType.STRING, value: t }] });
  }
  for (const [k, v] of [
    ['nextn_predict_layers', 6],
    ['nextn_predict_layers', 0xffffffff],
    ['expert_group_count', 2],
    ['leading_dense_block_count', 0xffffffff],
    ['attention.sliding_window', 0],
    ['attention.sliding_window', 0xffffffff],
    ['embedding_length_out', 0xffffffff],
  ] as const) {
    out.push({ name: `${k}=${v}`, edits: [u32(hp(k), v)] });
  }
  out.push({ name: 'experts 4 used 2 groups 3', edits: [u32(hp('expert_count'), 4), u32(hp('expert_used_count'), 2), u32(hp('expert_group_count'), 3)] });
  out.push({ name: 'experts 4 used 2 groups 2 used 0', edits: [u32(hp('expert_count'), 4), u32(hp('expert_used_count'), 2), u32(hp('expert_group_count'), 2)] });
  out.push({ name: 'experts 4 used 2 (no expert tensors)', edits: [u32(hp('expert_count'), 4), u32(hp('expert_used_count'), 2)] });
  out.push({
    name: 'expert_used_count per layer',
    edits: [u32(hp('expert_count'), 4), { op: 'setKv', key: hp('expert_used_count'), type: GgufType.UINT32, isArray: true, value: [1, 2, 9, 1, 1] }],
  });
  for (const pre of ['unknown-pre', '', 'llama3', 'qwen2']) {
    out.push({ name: `tokenizer.pre=${pre}`, edits: [{ op: 'setKv', key: 'tokenizer.ggml.pre', type: GgufType.STRING, value: pre }] });
  }
  for (const key of ['tokenizer.ggml.model', 'tokenizer.ggml.tokens', 'tokenizer.ggml.scores', 'tokenizer.ggml.token_type']) {
    out.push({ name: `no ${key}`, edits: [{ op: 'dropKv', key }] });
  }
  for (const n of [0, 1, 2, 3, nVocab - 1]) {
    out.push({ name: `tokens cut to ${n}`, edits: [{ op: 'truncateArray', key: 'tokenizer.ggml.tokens', length: n }] });
  }
  out.push({ name: 'scores cut to 10', edits: [{ op: 'truncateArray', key: 'tokenizer.ggml.scores', length: 10 }] });
  out.push({ name: 'token_type cut to 10', edits: [{ op: 'truncateArray', key: 'tokenizer.ggml.token_type', length: 10 }] });
  out.push({ name: 'token_type cut to 0', edits: [{ op: 'truncateArray', key: 'tokenizer.ggml.token_type', length: 0 }] });
  for (const [i, v] of [
    [5, 99],
    [5, -1],
    [1, 1],
    [2, 6],
    [10, 0],
    [300, 4],
  ] as const) {
    out.push({ name: `token_type[${i}]=${v}`, edits: [{ op: 'setArrayElement', key: 'tokenizer.ggml.token_type', index: Math.min(i, nVocab - 1), value: v }] });
  }
  for (const [i, v] of [
    [100, '<s>'],
    [101, 'e'],
    [102, ''],
    [3, '<0xZZ>'],
    [4, '<0x>'],
    [5, 'x'.repeat(70000)],
    [103, '\ud800'],
    [104, '\u0000'],
    [13, ''],
  ] as const) {
    out.push({ name: `token[${i}]=${JSON.stringify(v).slice(0, 20)}`, edits: [{ op: 'setArrayElement', key: 'tokenizer.ggml.tokens', index: Math.min(i, nVocab - 1), value: v }] });
  }
  out.push({
    name: 'eight tokens with the same text',
    edits: Array.from({ length: 8 }, (_, i) => ({ op: 'setArrayElement' as const, key: 'tokenizer.ggml.tokens', index: (200 + i) % nVocab, value: 'same' })),
  });
  out.push({ name: 'score NaN', edits: [{ op: 'setArrayElement', key: 'tokenizer.ggml.scores', index: 100, value: NaN }] });
  out.push({ name: 'chat template garbage', edits: [{ op: 'setKv', key: 'tokenizer.chat_template', type: GgufType.STRING, value: '{% for m in messages %}{{ m.content | bogus }}{% endfor' }] });
  out.push({ name: 'chat template huge', edits: [{ op: 'setKv', key: 'tokenizer.chat_template', type: GgufType.STRING, value: '<|im_start|>'.repeat(20000) }] });
  // Tensors.
  for (const name of ['token_embd.weight', 'output.weight', 'output_norm.weight', 'blk.0.attn_q.weight', 'blk.1.ffn_up.weight', 'blk.1.attn_norm.weight']) {
    out.push({ name: `drop ${name}`, edits: [{ op: 'dropTensor', name }] });
    out.push({ name: `duplicate ${name}`, edits: [{ op: 'duplicateTensor', name }] });
    out.push({ name: `rename ${name}`, edits: [{ op: 'renameTensor', name, to: `${name}.renamed` }] });
  }
  for (const [name, ne] of [
    ['token_embd.weight', ['0', '0']],
    ['token_embd.weight', ['64', String(nVocab - 1)]],
    ['token_embd.weight', ['64', String(nVocab + 1)]],
    ['token_embd.weight', ['32', String(nVocab)]],
    ['token_embd.weight', [String(nVocab), '64']],
    ['token_embd.weight', ['64', String(nVocab), '1']],
    ['token_embd.weight', ['64', String(nVocab / 2), '2']],
    ['token_embd.weight', ['64']],
    ['output.weight', ['64', '100']],
    ['output_norm.weight', ['65']],
    ['output_norm.weight', ['64', '1', '1', '1']],
    ['blk.0.attn_q.weight', ['64', '32']],
    ['blk.0.attn_k.weight', ['64', '64']],
    ['blk.0.ffn_down.weight', ['64', '172']],
  ] as const) {
    out.push({ name: `reshape ${name} to ${ne.join('x')}`, edits: [{ op: 'reshapeTensor', name, ne: [...ne] }] });
  }
  for (const [name, type] of [
    ['token_embd.weight', 1],
    ['token_embd.weight', 8],
    ['output_norm.weight', 1],
    ['blk.0.attn_q.weight', 8],
    ['blk.0.attn_norm.weight', 8],
  ] as const) {
    out.push({ name: `retype ${name} to ${type}`, edits: [{ op: 'retypeTensor', name, type }] });
  }
  out.push({ name: 'extra unknown tensor', edits: [{ op: 'addTensor', name: 'blk.0.unknown.weight', ne: ['4'], type: 0 }] });
  out.push({ name: 'extra huge-dim tensor', edits: [{ op: 'addTensor', name: 'blk.9.attn_q.weight', ne: ['1', '1', '1', '1'], type: 0 }] });
  for (const v of [NaN, Infinity, -Infinity, 3.4e38, 0]) {
    out.push({ name: `token_embd filled with ${v}`, edits: [{ op: 'fillTensor', name: 'token_embd.weight', value: v }] });
    out.push({ name: `output filled with ${v}`, edits: [{ op: 'fillTensor', name: 'output.weight', value: v }] });
  }
  for (const a of [0, 3, 1, 8, 64, 4096, 0x80000000]) out.push({ name: `alignment ${a}`, edits: [{ op: 'alignment', value: a }] });
  out.push({ name: 'version 2', edits: [{ op: 'version', value: 2 }] });
  return out;
}

/** Counts of the corpus. */
export interface CorpusSize {
  bitflipsMeta: number;
  bitflipsAll: number;
  truncations: number;
  fields: number;
}

/** The fuzz corpus of one base file. */
export function ggufCases(base: 'stories' | 'tiny', f: GgufFile, fileBytes: number, seed: number, size: CorpusSize, withSemantic: boolean): GgufCase[] {
  const rand = prng(seed);
  const out: GgufCase[] = [];
  for (let i = 0; i < size.bitflipsMeta; i++) {
    const s = Math.floor(rand() * 2 ** 31);
    const flips = 1 + Math.floor(rand() * 8);
    out.push({ id: `${base}/bitflip-meta/${s}x${flips}`, base, mutation: { kind: 'bitflip', seed: s, flips, region: 'meta' } });
  }
  for (let i = 0; i < size.bitflipsAll; i++) {
    const s = Math.floor(rand() * 2 ** 31);
    const flips = 1 + Math.floor(rand() * 64);
    out.push({ id: `${base}/bitflip-all/${s}x${flips}`, base, mutation: { kind: 'bitflip', seed: s, flips, region: 'all' } });
  }
  // Truncations: at every section boundary (±1) and at random points.
  const cuts = new Set<number>([0, 3, 4, 5, 8, 12, 16, 20, 23, 24, f.infoEnd - 1, f.infoEnd, f.dataOffset - 1, f.dataOffset, f.dataOffset + 1, fileBytes - 1]);
  for (const o of f.kvOffsets.slice(0, 6)) [o.keyLength + 3, o.type + 2, o.value + 1, o.end].forEach((x) => cuts.add(x));
  for (const o of f.tensorOffsets.slice(0, 3)) [o.nameLength + 5, o.nDims, o.ne[0]! + 4, o.type, o.offset + 7, o.end].forEach((x) => cuts.add(x));
  while (cuts.size < size.truncations) cuts.add(Math.floor(rand() * fileBytes));
  for (const at of [...cuts].filter((x) => x >= 0 && x < fileBytes).sort((a, b) => a - b)) {
    out.push({ id: `${base}/truncate/${at}`, base, mutation: { kind: 'truncate', at } });
  }
  out.push(...fieldCases(base, f, rand, size.fields));
  if (withSemantic) {
    const arch = String(f.kvs.find((k) => k.key === 'general.architecture')?.value ?? 'llama');
    const tokens = f.kvs.find((k) => k.key === 'tokenizer.ggml.tokens')?.value;
    const nVocab = Array.isArray(tokens) ? tokens.length : 0;
    for (const s of semanticEdits(arch, nVocab)) out.push({ id: `${base}/rewrite/${s.name}`, base, mutation: { kind: 'rewrite', edits: s.edits } });
  }
  return out;
}
