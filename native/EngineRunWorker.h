// Runs a model's batch engine loop off the JavaScript thread, on a compute thread (see
// ComputeThreads.h: OpenMP teams), until the engine has nothing left to do. Results reach
// JavaScript through each request's GenerationChannel, not through this worker.
#pragma once

#include <napi.h>

#include <memory>

#include "ModelHandle.h"

namespace persona {

class EngineRunWorker : public Napi::AsyncWorker {
  public:
    EngineRunWorker(Napi::Env env, std::shared_ptr<ModelHandle> model);

  protected:
    void Execute() override;
    void OnOK() override {}
    void OnError(const Napi::Error &) override {}

  private:
    std::shared_ptr<ModelHandle> model_;  // keeps the weights and the engine alive while it runs
};

}  // namespace persona
