// Owning pointers for the C handles of llama.cpp, ggml, gguf and stdio, shared by the
// addon's files so that each handle type has exactly one deleter.
#pragma once

#include <cstdio>
#include <memory>

#include "ggml.h"
#include "gguf.h"
#include "llama.h"

namespace persona {

struct GgufDeleter {
    void operator()(gguf_context * c) const { gguf_free(c); }
};
struct GgmlDeleter {
    void operator()(ggml_context * c) const { ggml_free(c); }
};
struct FileCloser {
    void operator()(FILE * f) const {
        if (f) std::fclose(f);
    }
};
struct ContextDeleter {
    void operator()(llama_context * c) const { llama_free(c); }
};
struct SamplerDeleter {
    void operator()(llama_sampler * s) const { llama_sampler_free(s); }
};

using GgufPtr = std::unique_ptr<gguf_context, GgufDeleter>;
using GgmlPtr = std::unique_ptr<ggml_context, GgmlDeleter>;
using FilePtr = std::unique_ptr<FILE, FileCloser>;
using ContextPtr = std::unique_ptr<llama_context, ContextDeleter>;
using SamplerPtr = std::unique_ptr<llama_sampler, SamplerDeleter>;

}  // namespace persona
