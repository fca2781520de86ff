#include "TokenEmbeddingWorker.h"

#include <cstdio>
#include <cstring>
#include <memory>
#include <stdexcept>

#include "Handles.h"
#include "GgufPrecheck.h"
#include "Portability.h"
#include "ggml.h"
#include "gguf.h"

namespace persona {

EmbeddingRows readTokenEmbedding(const std::string & path) {
    GgufMetadata opened = openGgufMetadata(path, true);
    const GgufPtr & gguf = opened.gguf;
    const GgmlPtr & meta = opened.meta;
    const uint64_t file_size = port::statPath(path).size;

    const char * name = "token_embd.weight";
    const int64_t id = gguf_find_tensor(gguf.get(), name);
    if (id < 0) throw std::runtime_error(path + " has no tensor named token_embd.weight");
    const ggml_tensor * t = ggml_get_tensor(meta.get(), name);
    if (!t) throw std::runtime_error(path + ": token_embd.weight has no tensor description");
    const ggml_type type = gguf_get_tensor_type(gguf.get(), id);
    const int64_t dims = t->ne[0];
    const int64_t rows = t->ne[1];
    if (dims <= 0 || rows <= 0 || t->ne[2] != 1 || t->ne[3] != 1) {
        throw std::runtime_error(path + ": token_embd.weight is not a 2-D matrix");
    }
    if (static_cast<uint64_t>(rows) * static_cast<uint64_t>(dims) > (1ull << 34)) {
        throw std::runtime_error(path + ": token_embd.weight is implausibly large");
    }
    const ggml_type_traits * traits = ggml_get_type_traits(type);
    const bool plain_f32 = type == GGML_TYPE_F32;
    if (!traits || (!plain_f32 && !traits->to_float)) {
        throw std::runtime_error(path + ": token_embd.weight has type " + (traits ? traits->type_name : "?") +
                                 ", which cannot be dequantized");
    }
    if (dims % ggml_blck_size(type) != 0) {
        throw std::runtime_error(path + ": token_embd.weight rows are not a whole number of blocks");
    }
    const size_t row_bytes = ggml_row_size(type, dims);
    const uint64_t offset = gguf_get_data_offset(gguf.get()) + gguf_get_tensor_offset(gguf.get(), id);
    const uint64_t total = static_cast<uint64_t>(row_bytes) * static_cast<uint64_t>(rows);
    if (gguf_get_tensor_size(gguf.get(), id) != total || offset > file_size || total > file_size - offset) {
        throw std::runtime_error(path + ": token_embd.weight lies outside the file (truncated file?)");
    }

    std::unique_ptr<FILE, FileCloser> f(port::openFile(path, "rb"));
    if (!f) throw std::runtime_error("cannot open " + path);
    if (port::seekFile(f.get(), offset) != 0) throw std::runtime_error("cannot seek in " + path);

    EmbeddingRows out;
    out.rows = static_cast<size_t>(rows);
    out.dims = static_cast<size_t>(dims);
    out.type_name = traits->type_name;
    out.data.resize(out.rows * out.dims);
    std::vector<uint8_t> buf(row_bytes * 256);
    for (size_t r = 0; r < out.rows; r += 256) {
        const size_t n = std::min<size_t>(256, out.rows - r);
        if (std::fread(buf.data(), 1, row_bytes * n, f.get()) != row_bytes * n) {
            throw std::runtime_error("short read of token_embd.weight in " + path);
        }
        for (size_t k = 0; k < n; k++) {
            float * dst = out.data.data() + (r + k) * out.dims;
            if (plain_f32) {
                std::memcpy(dst, buf.data() + k * row_bytes, row_bytes);
            } else {
                traits->to_float(buf.data() + k * row_bytes, dst, dims);
            }
        }
    }
    return out;
}

TokenEmbeddingWorker::TokenEmbeddingWorker(Napi::Env env, std::string path)
    : PromiseWorker(env, "persona-gen:tokenEmbedding", "reading token embeddings of " + path), path_(std::move(path)) {}

void TokenEmbeddingWorker::work() { rows_ = readTokenEmbedding(path_); }

Napi::Value TokenEmbeddingWorker::result(Napi::Env env) {
    Napi::Float32Array data = Napi::Float32Array::New(env, rows_.data.size());
    std::copy(rows_.data.begin(), rows_.data.end(), data.Data());
    rows_.data = std::vector<float>();
    Napi::Object out = Napi::Object::New(env);
    out.Set("data", data);
    out.Set("rows", Napi::Number::New(env, static_cast<double>(rows_.rows)));
    out.Set("dims", Napi::Number::New(env, static_cast<double>(rows_.dims)));
    out.Set("type", Napi::String::New(env, rows_.type_name));
    return out;
}

}  // namespace persona
