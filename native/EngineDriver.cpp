// EngineDriver: starts a batch engine's loop on a compute thread (see the header).
#include "EngineDriver.h"

#include "BatchEngine.h"
#include "ComputeThreads.h"

namespace persona {

void EngineDriver::submit(const std::shared_ptr<ModelHandle> & model, std::shared_ptr<Sequence> seq) {
    if (model->engine().submit(std::move(seq))) startLoop(model);
}

void EngineDriver::release(const std::shared_ptr<ModelHandle> & model) {
    if (model->engine().release()) startLoop(model);
}

void EngineDriver::startLoop(const std::shared_ptr<ModelHandle> & model) {
    // The job holds the model (weights and engine) until the loop returns.
    ComputeThreads::start([model] { model->engine().run(); });
}

}  // namespace persona
