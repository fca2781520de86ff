// One generation: creates its own llama_context, decodes the prompt, and runs the whole
// token loop on a worker thread. Text reaches JavaScript only through a thread-safe
// function (when streaming) and the final result.
#pragma once

#include <napi.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "ModelHandle.h"
#include "SamplerChain.h"

namespace persona {

// The sampling fields (temperature ... personalization) are SamplerChainParams'; the bias
// dots are filled in on the worker thread, and the matrix is kept alive for the whole generation.
struct GenerateParams : SamplerChainParams {
    std::vector<llama_token> prompt;
    int32_t max_tokens = 256;
    std::vector<std::string> stop;
    uint32_t n_ctx = 2048;
    uint32_t n_batch = 512;
    int32_t n_threads = 4;
};

class GenerateWorker : public Napi::AsyncWorker {
  public:
    GenerateWorker(Napi::Env env, std::shared_ptr<ModelHandle> model, GenerateParams params,
                   std::shared_ptr<GenerationControl> control, Napi::Function on_text);
    ~GenerateWorker() override;

    Napi::Promise promise() { return deferred_.Promise(); }

  protected:
    void Execute() override;
    void OnOK() override;
    void OnError(const Napi::Error & error) override;

  private:
    void run();
    void emitText(bool final_flush);
    void releaseStream();

    std::shared_ptr<ModelHandle> model_;
    GenerateParams params_;
    std::shared_ptr<GenerationControl> control_;
    Napi::Promise::Deferred deferred_;
    Napi::ThreadSafeFunction tsfn_;
    bool streaming_ = false;

    // Results.
    std::vector<llama_token> tokens_;
    std::string text_;           // complete UTF-8 text so far (stop strings cut off)
    std::string pending_bytes_;  // bytes of a character not yet complete
    size_t emitted_ = 0;         // bytes of text_ already streamed
    std::string stop_reason_ = "maxTokens";
    double prompt_ms_ = 0.0;
    double decode_ms_ = 0.0;
};

}  // namespace persona
