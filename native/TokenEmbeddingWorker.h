// Reads a model's input token-embedding matrix (token_embd.weight) through llama.cpp's
// public GGUF API and dequantizes it to f32 rows, off the JavaScript thread.
#pragma once

#include <napi.h>

#include <string>
#include <vector>

namespace persona {

struct EmbeddingRows {
    std::vector<float> data;  // rows * dims, row-major
    size_t rows = 0;
    size_t dims = 0;
    std::string type_name;
};

// Throws std::runtime_error naming the file and what is wrong.
EmbeddingRows readTokenEmbedding(const std::string & path);

class TokenEmbeddingWorker : public Napi::AsyncWorker {
  public:
    TokenEmbeddingWorker(Napi::Env env, std::string path);
    Napi::Promise promise() { return deferred_.Promise(); }

  protected:
    void Execute() override;
    void OnOK() override;
    void OnError(const Napi::Error & error) override;

  private:
    std::string path_;
    Napi::Promise::Deferred deferred_;
    EmbeddingRows rows_;
};

}  // namespace persona
