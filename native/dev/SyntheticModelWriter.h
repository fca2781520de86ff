// Writes a GGUF language model of a real architecture's shapes with random weights, for the
// benchmarks: speed does not depend on weight values, and real models of useful size cannot
// be downloaded everywhere. The tokenizer (every `tokenizer.*` key) is copied from a
// vocabulary GGUF such as llama.cpp's models/ggml-vocab-qwen2.gguf, so token ids, the
// pre-tokenizer and the chat template are the real ones.
//
// 2-D weights are written as F16 (general.file_type = MOSTLY_F16), norms and biases as F32;
// the input embedding is tied to the output (no output.weight), as in Qwen2.5-0.5B and
// Llama-3.2-1B. Rows of control, user-defined and unused tokens (end-of-generation tokens
// included) are zero, so a random model never ends a generation early. The file is streamed
// tensor by tensor (no whole-model buffer) to `<out>.tmp` and renamed when complete.
#pragma once

#include <cstdint>
#include <string>

namespace persona {

struct SyntheticModelSpec {
    std::string arch;        // "qwen2" (q/k/v biases) or "llama"
    std::string vocab_path;  // GGUF holding the tokenizer.* keys
    std::string out_path;
    std::string name = "persona-gen synthetic";
    uint32_t n_layer = 0;
    uint32_t n_embd = 0;
    uint32_t n_head = 0;
    uint32_t n_head_kv = 0;
    uint32_t n_ff = 0;
    uint32_t n_ctx_train = 0;
    float rope_freq_base = 10000.0f;
    float rms_eps = 1e-6f;
    uint64_t seed = 1;
    float weight_std = 0.02f;  // standard deviation of the uniform random weights
};

// What was written.
struct SyntheticModelSummary {
    uint64_t file_bytes = 0;
    uint64_t parameters = 0;
    uint32_t n_vocab = 0;
    uint32_t zero_rows = 0;  // token rows left at zero (control, user-defined, unused tokens)
    uint32_t tensors = 0;
};

class SyntheticModelWriter {
  public:
    // Checks every field (architecture, shapes, ranges, the vocabulary file); throws
    // std::invalid_argument naming the field and what was expected. Does no I/O.
    static void validate(const SyntheticModelSpec & spec);

    // Validates, then writes the model. Throws std::runtime_error (with the path) on I/O
    // errors or a vocabulary file without a tokenizer; a partial file is removed.
    static SyntheticModelSummary write(const SyntheticModelSpec & spec);
};

}  // namespace persona
