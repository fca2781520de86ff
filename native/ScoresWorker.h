// Computes a personalized request's bias scores (one dot product per vocabulary row: ~30 ms
// for a 151,936 x 384 matrix) on the libuv pool before the request joins its model's batch
// engine, so that the engine's loop, which would otherwise compute them when the sequence
// starts, does not hold every running sequence for it. The request is then submitted
// (EngineDriver::submit); an error rejects that request only. A worker made while the engine
// was held (`held`: it joined the hold, BatchEngine::joinHold) releases it once it has submitted
// or rejected its request.
#pragma once

#include <napi.h>

#include <memory>

#include "ModelHandle.h"
#include "Sequence.h"

namespace persona {

class ScoresWorker : public Napi::AsyncWorker {
  public:
    ScoresWorker(Napi::Env env, std::shared_ptr<ModelHandle> model, std::shared_ptr<Sequence> seq, bool held);

  protected:
    void Execute() override;
    void OnOK() override;
    void OnError(const Napi::Error & error) override;

  private:
    std::shared_ptr<ModelHandle> model_;
    std::shared_ptr<Sequence> seq_;
    bool held_;
};

}  // namespace persona
