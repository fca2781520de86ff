// The loaded llama_model and what every user of it shares. AddonModel and each running
// generation hold a shared_ptr, so the weights are freed only after the last user is done:
// disposing a model while it generates aborts the generation instead of freeing under it.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "llama.h"

namespace persona {

// Flags of one running generation, set from the JS thread, read by the worker.
struct GenerationControl {
    std::atomic<bool> abort{false};
    std::atomic<bool> model_disposed{false};
};

class ModelHandle {
  public:
    ModelHandle(llama_model * model, std::string path) : model_(model), path_(std::move(path)) {}
    ~ModelHandle();
    ModelHandle(const ModelHandle &) = delete;
    ModelHandle & operator=(const ModelHandle &) = delete;

    llama_model * model() const { return model_; }
    const llama_vocab * vocab() const { return llama_model_get_vocab(model_); }
    const std::string & path() const { return path_; }

    // Registers a generation so that markDisposed() can stop it.
    void track(const std::shared_ptr<GenerationControl> & control);
    // Stops every running generation; the weights stay until the last holder lets go.
    void markDisposed();
    bool disposed() const { return disposed_.load(); }

  private:
    llama_model * model_;
    std::string path_;
    std::atomic<bool> disposed_{false};
    std::mutex mutex_;
    std::vector<std::weak_ptr<GenerationControl>> running_;
};

}  // namespace persona
