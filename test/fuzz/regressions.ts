/**
 * Inputs that crashed the process (found by the fuzz tests), kept as regression cases. Each is a
 * description that rebuilds the exact bytes from a base file (see gguf-mutations.ts): `stories`
 * cases are the inputs exactly as the fuzzer found them (test/fixtures/models/stories260K.gguf);
 * `tiny` cases apply the same edit to the test's own model, so the classes stay covered where
 * ../shared is absent. The fuzz tests run all of them first, every time.
 *
 * Before the fix each of these aborted the process (SIGABRT) at the place named in `crashed`;
 * `fixedBy` names the check that now rejects the file with an Error (native/GgufPrecheck.cpp
 * unless said otherwise).
 */
import { GgufType } from './gguf-file.js';
import type { GgufCase, GgufEdit } from './gguf-mutations.js';

/** A regression case. */
export type GgufRegression = GgufCase & { crashed: string; fixedBy: string };

const u32 = (key: string, value: number): GgufEdit => ({ op: 'setKv', key, type: GgufType.UINT32, value });

const semantic: { name: string; edits: GgufEdit[]; crashed: string; fixedBy: string; tiny?: { name: string; edits: GgufEdit[] } }[] = [
  {
    name: 'llama.block_count=0',
    edits: [u32('llama.block_count', 0)],
    crashed: 'llama-model.cpp:1226 GGML_ASSERT(hparams.n_layer_all > 0 && hparams.n_layer_all <= LLAMA_MAX_LAYERS)',
    fixedBy: '<arch>.block_count must be 1..512',
  },
  { name: 'llama.block_count=1000', edits: [u32('llama.block_count', 1000)], crashed: 'llama-model.cpp:1226 (same)', fixedBy: '<arch>.block_count must be 1..512' },
  {
    name: 'llama.block_count=4294967295',
    edits: [u32('llama.block_count', 0xffffffff)],
    crashed: 'llama-model.cpp:1226 (same)',
    fixedBy: '<arch>.block_count must be 1..512',
  },
  {
    name: 'llama.expert_count=2',
    edits: [u32('llama.expert_count', 2)],
    crashed: 'llama-model.cpp:1262 GGML_ASSERT(n_expert_used_max > 0)',
    fixedBy: 'expert_count > 0 needs 0 < expert_used_count <= expert_count',
  },
  { name: 'llama.expert_count=256', edits: [u32('llama.expert_count', 256)], crashed: 'llama-model.cpp:1262 (same)', fixedBy: 'expert rules' },
  {
    name: 'llama.expert_used_count=1',
    edits: [u32('llama.expert_used_count', 1)],
    crashed: 'llama-model.cpp:1260 GGML_ASSERT(n_expert_used_max <= hparams.n_expert)',
    fixedBy: 'expert_used_count <= expert_count',
  },
  { name: 'llama.expert_used_count=2', edits: [u32('llama.expert_used_count', 2)], crashed: 'llama-model.cpp:1260 (same)', fixedBy: 'expert rules' },
  { name: 'llama.expert_used_count=300', edits: [u32('llama.expert_used_count', 300)], crashed: 'llama-model.cpp:1260 (same)', fixedBy: 'expert rules' },
  {
    name: 'expert 4 used 8',
    edits: [u32('llama.expert_count', 4), u32('llama.expert_used_count', 8)],
    crashed: 'llama-model.cpp:1260 (same)',
    fixedBy: 'expert rules',
  },
  {
    name: 'expert 4 used 0',
    edits: [u32('llama.expert_count', 4), u32('llama.expert_used_count', 0)],
    crashed: 'llama-model.cpp:1262 (same)',
    fixedBy: 'expert rules',
  },
  {
    name: 'rms_eps=NaN',
    edits: [{ op: 'setKv', key: 'llama.attention.layer_norm_rms_epsilon', type: GgufType.FLOAT32, value: NaN }],
    crashed: 'ggml-cpu/ops.cpp:3949 GGML_ASSERT(eps >= 0.0f), at the first decode',
    fixedBy: '*epsilon keys must be finite and >= 0',
  },
  {
    name: 'rms_eps=-1',
    edits: [{ op: 'setKv', key: 'llama.attention.layer_norm_rms_epsilon', type: GgufType.FLOAT32, value: -1 }],
    crashed: 'ggml-cpu/ops.cpp:3949 (same)',
    fixedBy: '*epsilon keys must be finite and >= 0',
  },
  {
    name: 'tokenizer.model=bert',
    edits: [{ op: 'setKv', key: 'tokenizer.ggml.model', type: GgufType.STRING, value: 'bert' }],
    crashed: 'llama-vocab.cpp:3163 GGML_ABORT in token_to_byte (a byte token in a WordPiece vocabulary)',
    fixedBy: 'no byte tokens in a bert (WordPiece) vocabulary',
  },
  {
    name: 'token[100]="<s>"',
    edits: [{ op: 'setArrayElement', key: 'tokenizer.ggml.tokens', index: 100, value: '<s>' }],
    crashed: 'llama-vocab.cpp:2501 GGML_ASSERT(id_to_token.size() == token_to_id.size())',
    fixedBy: 'token texts must be distinct',
  },
  {
    name: 'token[101]="e"',
    edits: [{ op: 'setArrayElement', key: 'tokenizer.ggml.tokens', index: 101, value: 'e' }],
    crashed: 'llama-vocab.cpp:2501 (same)',
    fixedBy: 'token texts must be distinct',
  },
  {
    name: 'token[3]="<0xZZ>"',
    edits: [{ op: 'setArrayElement', key: 'tokenizer.ggml.tokens', index: 3, value: '<0xZZ>' }],
    crashed: "std::terminate: uncaught std::out_of_range (unordered_map::at) from byte_to_token while tokenizing on the JS thread",
    fixedBy: 'byte tokens must read <0xHH> and a SentencePiece vocabulary with byte tokens needs all 256; also NODE_ADDON_API_CPP_EXCEPTIONS_ALL (CMakeLists.txt)',
  },
  {
    name: 'eight tokens with the same text',
    edits: Array.from({ length: 8 }, (_, i) => ({ op: 'setArrayElement' as const, key: 'tokenizer.ggml.tokens', index: 200 + i, value: 'same' })),
    crashed: 'llama-vocab.cpp:2501 (same as token[100])',
    fixedBy: 'token texts must be distinct',
  },
  {
    name: 'retype output_norm.weight to 1',
    edits: [{ op: 'retypeTensor', name: 'output_norm.weight', type: 1 }],
    crashed: 'ggml-cpu/binary-ops.cpp:135 binary_op: unsupported types (f32 * f16), at the first decode',
    fixedBy: '1-D tensors must be f32',
  },
  {
    name: 'retype blk.0.attn_norm.weight to 8',
    edits: [{ op: 'retypeTensor', name: 'blk.0.attn_norm.weight', type: 8 }],
    crashed: 'ggml-cpu/binary-ops.cpp:135 (f32 * q8_0)',
    fixedBy: '1-D tensors must be f32',
    // The tiny model's norms have 16 values, not a whole q8_0 block: f16 crashes the same way.
    tiny: { name: 'retype blk.0.attn_norm.weight to 1', edits: [{ op: 'retypeTensor', name: 'blk.0.attn_norm.weight', type: 1 }] },
  },
  {
    name: 'alignment 1',
    edits: [{ op: 'alignment', value: 1 }],
    crashed: 'ggml-backend.cpp:2515 GGML_ASSERT(buffer pointer must be aligned) (mmap of tensors not 32-byte aligned)',
    fixedBy: 'tensor data must start at a multiple of 32 bytes',
  },
  {
    name: 'alignment 8',
    edits: [{ op: 'alignment', value: 8 }],
    crashed: 'ggml-backend.cpp:2515 (same)',
    fixedBy: 'tensor data must start at a multiple of 32 bytes',
    // In the tiny model's layout 8-byte alignment happens to land on 32: 4 does not.
    tiny: { name: 'alignment 4', edits: [{ op: 'alignment', value: 4 }] },
  },
];

/** GGUF files that crashed before their fix. */
export const GGUF_REGRESSIONS: GgufRegression[] = [
  {
    id: 'regression/stories/bitflip-meta/1145464683x3',
    base: 'stories',
    mutation: { kind: 'bitflip', seed: 1145464683, flips: 3, region: 'meta' },
    crashed: 'llama-vocab.cpp:2501 GGML_ASSERT(id_to_token.size() == token_to_id.size()) (a flipped bit made two token texts equal)',
    fixedBy: 'token texts must be distinct',
  },
  ...semantic.map((s) => ({ id: `regression/stories/rewrite/${s.name}`, base: 'stories' as const, mutation: { kind: 'rewrite' as const, edits: s.edits }, crashed: s.crashed, fixedBy: s.fixedBy })),
  ...semantic.map((s) => ({
    id: `regression/tiny/rewrite/${s.tiny?.name ?? s.name}`,
    base: 'tiny' as const,
    mutation: { kind: 'rewrite' as const, edits: s.tiny?.edits ?? s.edits },
    crashed: s.crashed,
    fixedBy: s.fixedBy,
  })),
];
