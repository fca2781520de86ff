// EngineRunWorker: the driver of a batch engine's loop (see the header).
#include "EngineRunWorker.h"

#include "BatchEngine.h"
#include "ComputeThreads.h"

namespace persona {

EngineRunWorker::EngineRunWorker(Napi::Env env, std::shared_ptr<ModelHandle> model)
    : Napi::AsyncWorker(env, "persona-gen:engine"), model_(std::move(model)) {}

void EngineRunWorker::submit(Napi::Env env, const std::shared_ptr<ModelHandle> & model, std::shared_ptr<Sequence> seq) {
    if (model->engine().submit(std::move(seq))) (new EngineRunWorker(env, model))->Queue();
}

void EngineRunWorker::release(Napi::Env env, const std::shared_ptr<ModelHandle> & model) {
    if (model->engine().release()) (new EngineRunWorker(env, model))->Queue();
}

void EngineRunWorker::Execute() {
    // The loop catches per request; anything escaping it would be a bug, and the engine's
    // requests are then rejected by the loop's next round or by dispose.
    ComputeThreads::run([this] { model_->engine().run(); });
}

}  // namespace persona
