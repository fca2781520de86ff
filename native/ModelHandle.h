// The loaded llama_model and what every user of it shares: its batch engine (one context,
// many sequences; see BatchEngine.h). AddonModel and a running engine loop hold a shared_ptr,
// so the weights are freed only after the last user is done: disposing a model while it
// generates shuts the engine down (its requests reject) instead of freeing under it.
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "BatchEngine.h"
#include "llama.h"

namespace persona {

class ModelHandle {
  public:
    ModelHandle(llama_model * model, std::string path, EngineSettings engine);
    ~ModelHandle();
    ModelHandle(const ModelHandle &) = delete;
    ModelHandle & operator=(const ModelHandle &) = delete;

    llama_model * model() const { return model_; }
    const llama_vocab * vocab() const { return llama_model_get_vocab(model_); }
    const std::string & path() const { return path_; }
    BatchEngine & engine() { return *engine_; }

    // Stops the engine (every running and queued generation rejects); the weights stay until
    // the last holder lets go.
    void markDisposed();
    bool disposed() const { return disposed_.load(); }

  private:
    llama_model * model_;
    std::string path_;
    std::atomic<bool> disposed_{false};
    std::unique_ptr<BatchEngine> engine_;
};

}  // namespace persona
