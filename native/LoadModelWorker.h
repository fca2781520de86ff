// Loads a GGUF model off the JavaScript thread.
#pragma once

#include <napi.h>

#include <memory>
#include <string>

#include "ModelHandle.h"

namespace persona {

struct LoadModelParams {
    std::string path;
    int32_t gpu_layers = 0;
    bool use_mmap = true;
    EngineSettings engine;  // the model's batch engine (contextSize, batchSize, threads, parallel)
};

class LoadModelWorker : public Napi::AsyncWorker {
  public:
    LoadModelWorker(Napi::Env env, LoadModelParams params);
    Napi::Promise promise() { return deferred_.Promise(); }

  protected:
    void Execute() override;
    void OnOK() override;
    void OnError(const Napi::Error & error) override;

  private:
    LoadModelParams params_;
    Napi::Promise::Deferred deferred_;
    std::shared_ptr<ModelHandle> handle_;
};

// Checks that `path` names a readable regular file that starts with the GGUF magic and
// is long enough to hold a GGUF header; throws std::runtime_error saying what is wrong.
void checkGgufFile(const std::string & path);

}  // namespace persona
