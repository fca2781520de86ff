// Loads a GGUF model off the JavaScript thread.
#pragma once

#include <napi.h>

#include <memory>
#include <string>

#include "ModelHandle.h"
#include "PromiseWorker.h"

namespace persona {

struct LoadModelParams {
    std::string path;
    int32_t gpu_layers = 0;
    bool use_mmap = true;
    EngineSettings engine;  // the model's batch engine (contextSize, batchSize, threads, parallel)
};

class LoadModelWorker : public PromiseWorker {
  public:
    LoadModelWorker(Napi::Env env, LoadModelParams params);

  protected:
    void work() override;
    Napi::Value result(Napi::Env env) override;

  private:
    LoadModelParams params_;
    std::shared_ptr<ModelHandle> handle_;
};

}  // namespace persona
