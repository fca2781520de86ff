// Reads a model's input token-embedding matrix (token_embd.weight) through llama.cpp's
// public GGUF API and dequantizes it to f32 rows, off the JavaScript thread.
#pragma once

#include <napi.h>

#include <string>
#include <vector>

#include "PromiseWorker.h"

namespace persona {

struct EmbeddingRows {
    std::vector<float> data;  // rows * dims, row-major
    size_t rows = 0;
    size_t dims = 0;
    std::string type_name;
};

// Throws std::runtime_error naming the file and what is wrong.
EmbeddingRows readTokenEmbedding(const std::string & path);

class TokenEmbeddingWorker : public PromiseWorker {
  public:
    TokenEmbeddingWorker(Napi::Env env, std::string path);

  protected:
    void work() override;
    Napi::Value result(Napi::Env env) override;

  private:
    std::string path_;
    EmbeddingRows rows_;
};

}  // namespace persona
