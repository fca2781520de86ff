// Starts a model's batch engine loop off the JavaScript thread, on a compute thread (see
// ComputeThreads.h: OpenMP teams), when requests wait and no loop runs; the loop steps until
// the engine has nothing left to do. Results reach JavaScript through each request's
// GenerationChannel (whose thread-safe function keeps Node's event loop alive meanwhile).
#pragma once

#include <memory>

#include "ModelHandle.h"
#include "Sequence.h"

namespace persona {

class EngineDriver {
  public:
    // Hands `seq` to the model's engine and starts a loop when the engine's is idle.
    static void submit(const std::shared_ptr<ModelHandle> & model, std::shared_ptr<Sequence> seq);
    // Ends a hold of the model's engine (BatchEngine::release), starting a loop for the
    // requests it held.
    static void release(const std::shared_ptr<ModelHandle> & model);

  private:
    static void startLoop(const std::shared_ptr<ModelHandle> & model);
};

}  // namespace persona
