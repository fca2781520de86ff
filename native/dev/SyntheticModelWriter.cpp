#include "SyntheticModelWriter.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "Handles.h"
#include "GgufPrecheck.h"
#include "Portability.h"
#include "ggml.h"
#include "gguf.h"
#include "llama.h"

namespace persona {
namespace {


enum class Fill { One, Bias, Weight, Embedding };

struct TensorPlan {
    std::string name;
    ggml_type type;
    int64_t ne0;
    int64_t ne1;  // 1 for vectors
    Fill fill;
};

// splitmix64: a fast, well-mixed generator; one per tensor so that the file is deterministic.
struct Random {
    uint64_t s;
    explicit Random(uint64_t seed) : s(seed) {}
    uint64_t next() {
        uint64_t z = (s += 0x9e3779b97f4a7c15ull);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        return z ^ (z >> 31);
    }
    // Two uniform values in [-a, a).
    void pair(float a, float & x, float & y) {
        const uint64_t r = next();
        x = (static_cast<float>(static_cast<uint32_t>(r)) * (1.0f / 4294967296.0f) * 2.0f - 1.0f) * a;
        y = (static_cast<float>(static_cast<uint32_t>(r >> 32)) * (1.0f / 4294967296.0f) * 2.0f - 1.0f) * a;
    }
};

void requireRange(const char * field, double value, double min, double max) {
    if (!(value >= min && value <= max)) {
        throw std::invalid_argument(std::string("spec.") + field + " must be between " + std::to_string(min) + " and " +
                                    std::to_string(max) + ", got " + std::to_string(value));
    }
}

void writeAll(FILE * f, const void * data, size_t n, const std::string & path) {
    if (n != 0 && std::fwrite(data, 1, n, f) != n) {
        throw std::runtime_error("cannot write " + path + ": " + std::strerror(errno));
    }
}

std::vector<TensorPlan> planTensors(const SyntheticModelSpec & s, uint32_t n_vocab) {
    const int64_t e = s.n_embd;
    const int64_t kv = static_cast<int64_t>(s.n_embd / s.n_head) * s.n_head_kv;
    const bool qkv_bias = s.arch == "qwen2";
    std::vector<TensorPlan> t;
    t.push_back({"token_embd.weight", GGML_TYPE_F16, e, n_vocab, Fill::Embedding});
    t.push_back({"output_norm.weight", GGML_TYPE_F32, e, 1, Fill::One});
    for (uint32_t il = 0; il < s.n_layer; il++) {
        const std::string b = "blk." + std::to_string(il) + ".";
        t.push_back({b + "attn_norm.weight", GGML_TYPE_F32, e, 1, Fill::One});
        t.push_back({b + "attn_q.weight", GGML_TYPE_F16, e, e, Fill::Weight});
        t.push_back({b + "attn_k.weight", GGML_TYPE_F16, e, kv, Fill::Weight});
        t.push_back({b + "attn_v.weight", GGML_TYPE_F16, e, kv, Fill::Weight});
        if (qkv_bias) {
            t.push_back({b + "attn_q.bias", GGML_TYPE_F32, e, 1, Fill::Bias});
            t.push_back({b + "attn_k.bias", GGML_TYPE_F32, kv, 1, Fill::Bias});
            t.push_back({b + "attn_v.bias", GGML_TYPE_F32, kv, 1, Fill::Bias});
        }
        t.push_back({b + "attn_output.weight", GGML_TYPE_F16, e, e, Fill::Weight});
        t.push_back({b + "ffn_norm.weight", GGML_TYPE_F32, e, 1, Fill::One});
        t.push_back({b + "ffn_gate.weight", GGML_TYPE_F16, e, s.n_ff, Fill::Weight});
        t.push_back({b + "ffn_up.weight", GGML_TYPE_F16, e, s.n_ff, Fill::Weight});
        t.push_back({b + "ffn_down.weight", GGML_TYPE_F16, s.n_ff, e, Fill::Weight});
    }
    return t;
}

// Which token rows stay zero: control, user-defined and unused tokens, and the
// end-of-generation ids the tokenizer names.
std::vector<uint8_t> zeroTokenRows(const gguf_context * vocab, uint32_t n_vocab, const std::string & path) {
    std::vector<uint8_t> zero(n_vocab, 0);
    const int64_t types = gguf_find_key(vocab, "tokenizer.ggml.token_type");
    if (types >= 0) {
        if (gguf_get_kv_type(vocab, types) != GGUF_TYPE_ARRAY || gguf_get_arr_type(vocab, types) != GGUF_TYPE_INT32 ||
            gguf_get_arr_n(vocab, types) != n_vocab) {
            throw std::runtime_error(path + ": tokenizer.ggml.token_type is not an int32 array with one entry per token");
        }
        const auto * tt = static_cast<const int32_t *>(gguf_get_arr_data(vocab, types));
        for (uint32_t i = 0; i < n_vocab; i++) {
            if (tt[i] == LLAMA_TOKEN_TYPE_CONTROL || tt[i] == LLAMA_TOKEN_TYPE_USER_DEFINED ||
                tt[i] == LLAMA_TOKEN_TYPE_UNUSED) {
                zero[i] = 1;
            }
        }
    }
    for (const char * key : {"tokenizer.ggml.eos_token_id", "tokenizer.ggml.eot_token_id", "tokenizer.ggml.eom_token_id"}) {
        const int64_t id = gguf_find_key(vocab, key);
        if (id >= 0 && gguf_get_kv_type(vocab, id) == GGUF_TYPE_UINT32) {
            const uint32_t tok = gguf_get_val_u32(vocab, id);
            if (tok < n_vocab) zero[tok] = 1;
        }
    }
    return zero;
}


// The tokenizer of a vocabulary GGUF: its metadata, token count and which rows stay zero.
struct Vocabulary {
    GgufPtr gguf;
    uint32_t n_vocab = 0;
    std::vector<uint8_t> zero_rows;
};

// Opens the vocabulary file and checks that it holds a tokenizer of a usable size.
Vocabulary readVocabulary(const std::string & path) {
    Vocabulary v;
    v.gguf = openGgufMetadata(path).gguf;
    const gguf_context * g = v.gguf.get();
    const int64_t tokens_key = gguf_find_key(g, "tokenizer.ggml.tokens");
    if (tokens_key < 0 || gguf_get_kv_type(g, tokens_key) != GGUF_TYPE_ARRAY ||
        gguf_get_arr_type(g, tokens_key) != GGUF_TYPE_STRING) {
        throw std::runtime_error(path + " has no tokenizer.ggml.tokens string array: not a vocabulary GGUF");
    }
    const int64_t model_key = gguf_find_key(g, "tokenizer.ggml.model");
    if (model_key < 0 || gguf_get_kv_type(g, model_key) != GGUF_TYPE_STRING) {
        throw std::runtime_error(path + " has no tokenizer.ggml.model: not a vocabulary GGUF");
    }
    const size_t n_vocab_sz = gguf_get_arr_n(g, tokens_key);
    if (n_vocab_sz < 4 || n_vocab_sz > (1u << 22)) {
        throw std::runtime_error(path + ": the vocabulary has " + std::to_string(n_vocab_sz) +
                                 " tokens, expected 4 to 4194304");
    }
    v.n_vocab = static_cast<uint32_t>(n_vocab_sz);
    v.zero_rows = zeroTokenRows(g, v.n_vocab, path);
    return v;
}

// Metadata: the tokenizer keys of the vocabulary file, then the architecture's own.
GgufPtr buildMetadata(const SyntheticModelSpec & spec, const Vocabulary & vocab) {
    GgufPtr out(gguf_init_empty());
    gguf_set_kv(out.get(), vocab.gguf.get());
    std::vector<std::string> drop;
    for (int64_t i = 0; i < gguf_get_n_kv(out.get()); i++) {
        const std::string key = gguf_get_key(out.get(), i);
        if (key.rfind("tokenizer.", 0) != 0) drop.push_back(key);
    }
    for (const auto & key : drop) gguf_remove_key(out.get(), key.c_str());
    const std::string a = spec.arch;
    gguf_set_val_str(out.get(), "general.architecture", a.c_str());
    gguf_set_val_str(out.get(), "general.name", spec.name.c_str());
    gguf_set_val_u32(out.get(), "general.file_type", LLAMA_FTYPE_MOSTLY_F16);
    gguf_set_val_u32(out.get(), (a + ".block_count").c_str(), spec.n_layer);
    gguf_set_val_u32(out.get(), (a + ".context_length").c_str(), spec.n_ctx_train);
    gguf_set_val_u32(out.get(), (a + ".embedding_length").c_str(), spec.n_embd);
    gguf_set_val_u32(out.get(), (a + ".feed_forward_length").c_str(), spec.n_ff);
    gguf_set_val_u32(out.get(), (a + ".attention.head_count").c_str(), spec.n_head);
    gguf_set_val_u32(out.get(), (a + ".attention.head_count_kv").c_str(), spec.n_head_kv);
    gguf_set_val_f32(out.get(), (a + ".rope.freq_base").c_str(), spec.rope_freq_base);
    gguf_set_val_f32(out.get(), (a + ".attention.layer_norm_rms_epsilon").c_str(), spec.rms_eps);
    gguf_set_val_u32(out.get(), (a + ".rope.dimension_count").c_str(), spec.n_embd / spec.n_head);
    gguf_set_val_u32(out.get(), (a + ".vocab_size").c_str(), vocab.n_vocab);
    return out;
}

// The ggml descriptions of the planned tensors (no data: it is streamed by writeTensorData).
struct TensorDescriptions {
    GgmlPtr meta;
    std::vector<ggml_tensor *> tensors;
    uint64_t parameters = 0;
};

// Describes every planned tensor in `out`; throws std::invalid_argument past 64 GiB of data.
TensorDescriptions describeTensors(gguf_context * out, const std::vector<TensorPlan> & plan) {
    ggml_init_params gp{};
    gp.mem_size = ggml_tensor_overhead() * (plan.size() + 1);
    gp.mem_buffer = nullptr;
    gp.no_alloc = true;
    TensorDescriptions d;
    d.meta.reset(ggml_init(gp));
    if (!d.meta) throw std::runtime_error("cannot allocate the tensor descriptions");
    uint64_t data_bytes = 0;
    for (const auto & p : plan) {
        ggml_tensor * t = p.ne1 == 1 ? ggml_new_tensor_1d(d.meta.get(), p.type, p.ne0)
                                     : ggml_new_tensor_2d(d.meta.get(), p.type, p.ne0, p.ne1);
        ggml_set_name(t, p.name.c_str());
        gguf_add_tensor(out, t);
        d.tensors.push_back(t);
        data_bytes += GGML_PAD(ggml_nbytes(t), GGUF_DEFAULT_ALIGNMENT);
        d.parameters += static_cast<uint64_t>(p.ne0) * static_cast<uint64_t>(p.ne1);
    }
    if (data_bytes > (64ull << 30)) {
        throw std::invalid_argument("the model would take " + std::to_string(data_bytes >> 20) +
                                    " MiB, more than the 64 GiB this writer allows");
    }
    return d;
}

// Fills `f32[0, m)` with the values of tensor `p` from element `done` on: ones, or uniform
// random values with the rows of special tokens zeroed in the embedding.
void fillChunk(const TensorPlan & p, Random & rng, float a_weight, uint64_t done, size_t m,
               const std::vector<uint8_t> & zero_rows, std::vector<float> & f32) {
    if (p.fill == Fill::One) {
        std::fill(f32.begin(), f32.begin() + static_cast<std::ptrdiff_t>(m), 1.0f);
        return;
    }
    const float amp = p.fill == Fill::Bias ? a_weight * 0.5f : a_weight;
    size_t i = 0;
    for (; i + 1 < m; i += 2) rng.pair(amp, f32[i], f32[i + 1]);
    if (i < m) {
        float unused;
        rng.pair(amp, f32[i], unused);
    }
    if (p.fill != Fill::Embedding) return;
    // Zero the rows of special tokens that this chunk covers.
    const uint64_t row0 = done / static_cast<uint64_t>(p.ne0);
    const uint64_t row1 = (done + m - 1) / static_cast<uint64_t>(p.ne0);
    for (uint64_t r = row0; r <= row1 && r < zero_rows.size(); r++) {
        if (!zero_rows[r]) continue;
        const uint64_t lo = std::max<uint64_t>(r * p.ne0, done);
        const uint64_t hi = std::min<uint64_t>((r + 1) * p.ne0, done + m);
        std::fill(f32.begin() + static_cast<std::ptrdiff_t>(lo - done),
                  f32.begin() + static_cast<std::ptrdiff_t>(hi - done), 0.0f);
    }
}

// Streams every tensor's data, chunk by chunk, each padded to the GGUF alignment.
void writeTensorData(FILE * f, const std::string & path, const SyntheticModelSpec & spec,
                     const std::vector<TensorPlan> & plan, const std::vector<ggml_tensor *> & tensors,
                     const std::vector<uint8_t> & zero_rows) {
    const float a_weight = spec.weight_std * std::sqrt(3.0f);  // uniform [-a, a) has std a / sqrt(3)
    constexpr size_t kChunk = 1 << 20;
    std::vector<float> f32(kChunk);
    std::vector<ggml_fp16_t> f16(kChunk);
    const char zeros[GGUF_DEFAULT_ALIGNMENT] = {0};
    for (size_t ti = 0; ti < plan.size(); ti++) {
        const TensorPlan & p = plan[ti];
        Random rng(spec.seed * 0x100000001b3ull + ti);
        const uint64_t n = static_cast<uint64_t>(p.ne0) * static_cast<uint64_t>(p.ne1);
        for (uint64_t done = 0; done < n;) {
            const size_t m = static_cast<size_t>(std::min<uint64_t>(kChunk, n - done));
            fillChunk(p, rng, a_weight, done, m, zero_rows, f32);
            if (p.type == GGML_TYPE_F16) {
                ggml_fp32_to_fp16_row(f32.data(), f16.data(), static_cast<int64_t>(m));
                writeAll(f, f16.data(), m * sizeof(ggml_fp16_t), path);
            } else {
                writeAll(f, f32.data(), m * sizeof(float), path);
            }
            done += m;
        }
        const size_t nbytes = ggml_nbytes(tensors[ti]);
        writeAll(f, zeros, GGML_PAD(nbytes, GGUF_DEFAULT_ALIGNMENT) - nbytes, path);
    }
}

// Writes the header and the tensor data to `<out>.tmp`, then renames it to `<out>`; removes
// the partial file on any error. Returns the file's size.
uint64_t writeModelFile(const gguf_context * out, const SyntheticModelSpec & spec, const std::vector<TensorPlan> & plan,
                        const std::vector<ggml_tensor *> & tensors, const Vocabulary & vocab) {
    const std::string tmp = spec.out_path + ".tmp";
    std::vector<char> iobuf(1 << 22);  // outlives the stream that buffers into it
    FilePtr f(port::openFile(tmp, "wb"));
    if (!f) throw std::runtime_error("cannot create " + tmp + ": " + std::strerror(errno));
    std::setvbuf(f.get(), iobuf.data(), _IOFBF, iobuf.size());
    try {
        if (!gguf_write_to_file_ptr(out, f.get(), /*only_meta=*/true)) {
            throw std::runtime_error("cannot write the GGUF header of " + tmp);
        }
        writeTensorData(f.get(), tmp, spec, plan, tensors, vocab.zero_rows);
        if (std::fflush(f.get()) != 0) throw std::runtime_error("cannot write " + tmp + ": " + std::strerror(errno));
        const auto file_bytes = static_cast<uint64_t>(port::tellFile(f.get()));
        FILE * raw = f.release();
        if (std::fclose(raw) != 0) throw std::runtime_error("cannot close " + tmp + ": " + std::strerror(errno));
        if (port::renameFile(tmp, spec.out_path) != 0) {
            throw std::runtime_error("cannot rename " + tmp + " to " + spec.out_path + ": " + std::strerror(errno));
        }
        return file_bytes;
    } catch (...) {
        f.reset();
        port::removeFile(tmp);
        throw;
    }
}

}  // namespace

void SyntheticModelWriter::validate(const SyntheticModelSpec & s) {
    if (s.arch != "qwen2" && s.arch != "llama") {
        throw std::invalid_argument("spec.arch must be 'qwen2' or 'llama', got '" + s.arch + "'");
    }
    if (s.vocab_path.empty() || s.vocab_path.find('\0') != std::string::npos) {
        throw std::invalid_argument("spec.vocabPath must be a non-empty path without NUL characters");
    }
    if (s.out_path.empty() || s.out_path.find('\0') != std::string::npos) {
        throw std::invalid_argument("spec.outPath must be a non-empty path without NUL characters");
    }
    if (s.out_path == s.vocab_path) throw std::invalid_argument("spec.outPath must differ from spec.vocabPath");
    if (s.name.size() > 256) throw std::invalid_argument("spec.name must be at most 256 characters");
    requireRange("layers", s.n_layer, 1, 512);
    requireRange("embd", s.n_embd, 8, 65536);
    requireRange("heads", s.n_head, 1, 1024);
    requireRange("kvHeads", s.n_head_kv, 1, s.n_head);
    requireRange("ffn", s.n_ff, 1, 1 << 20);
    requireRange("contextLength", s.n_ctx_train, 16, 1 << 24);
    requireRange("ropeFreqBase", s.rope_freq_base, 1.0, 1e9);
    requireRange("rmsEps", s.rms_eps, 1e-12, 0.1);
    requireRange("weightStd", s.weight_std, 1e-6, 1.0);
    if (s.n_embd % s.n_head != 0) {
        throw std::invalid_argument("spec.embd (" + std::to_string(s.n_embd) + ") must be a multiple of spec.heads (" +
                                    std::to_string(s.n_head) + ")");
    }
    if ((s.n_embd / s.n_head) % 2 != 0) throw std::invalid_argument("spec.embd / spec.heads (the head size) must be even");
    if (s.n_head % s.n_head_kv != 0) throw std::invalid_argument("spec.heads must be a multiple of spec.kvHeads");
}

SyntheticModelSummary SyntheticModelWriter::write(const SyntheticModelSpec & spec) {
    validate(spec);
    const Vocabulary vocab = readVocabulary(spec.vocab_path);
    const GgufPtr out = buildMetadata(spec, vocab);
    const std::vector<TensorPlan> plan = planTensors(spec, vocab.n_vocab);
    const TensorDescriptions described = describeTensors(out.get(), plan);
    SyntheticModelSummary summary;
    summary.file_bytes = writeModelFile(out.get(), spec, plan, described.tensors, vocab);
    summary.parameters = described.parameters;
    summary.n_vocab = vocab.n_vocab;
    summary.tensors = static_cast<uint32_t>(plan.size());
    for (uint8_t z : vocab.zero_rows) summary.zero_rows += z;
    return summary;
}

}  // namespace persona
