// Runs a model's batch engine loop off the JavaScript thread, on a compute thread (see
// ComputeThreads.h: OpenMP teams), until the engine has nothing left to do. Results reach
// JavaScript through each request's GenerationChannel, not through this worker.
#pragma once

#include <napi.h>

#include <memory>

#include "ModelHandle.h"
#include "Sequence.h"

namespace persona {

class EngineRunWorker : public Napi::AsyncWorker {
  public:
    EngineRunWorker(Napi::Env env, std::shared_ptr<ModelHandle> model);

    // JavaScript thread: hands `seq` to the model's engine and starts a driver when the loop
    // is idle.
    static void submit(Napi::Env env, const std::shared_ptr<ModelHandle> & model, std::shared_ptr<Sequence> seq);
    // JavaScript thread: ends a hold of the model's engine (BatchEngine::release), starting a
    // driver for the requests it held.
    static void release(Napi::Env env, const std::shared_ptr<ModelHandle> & model);

  protected:
    void Execute() override;
    void OnOK() override {}
    void OnError(const Napi::Error &) override {}

  private:
    std::shared_ptr<ModelHandle> model_;  // keeps the weights and the engine alive while it runs
};

}  // namespace persona
