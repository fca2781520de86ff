// ScoresWorker: a request's bias scores off the engine's loop (see the header).
#include "ScoresWorker.h"

#include <exception>

#include "EngineDriver.h"

namespace persona {

ScoresWorker::ScoresWorker(Napi::Env env, std::shared_ptr<ModelHandle> model, std::shared_ptr<Sequence> seq, bool held)
    : Napi::AsyncWorker(env, "persona-gen:bias-scores"), model_(std::move(model)), seq_(std::move(seq)), held_(held) {}

void ScoresWorker::Execute() {
    try {
        seq_->prepareScores();
    } catch (const std::exception & e) {
        SetError(e.what());
    }
}

void ScoresWorker::OnOK() {
    EngineDriver::submit(model_, std::move(seq_));
    if (held_) EngineDriver::release(model_);
}

void ScoresWorker::OnError(const Napi::Error & error) {
    seq_->fail(error.Message());
    if (held_) EngineDriver::release(model_);
}

}  // namespace persona
