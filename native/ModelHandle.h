// The loaded llama_model and what every user of it shares. AddonModel and each running
// generation hold a shared_ptr, so the weights are freed only after the last user is done:
// disposing a model while it generates aborts the generation instead of freeing under it.
//
// It also keeps the context of the last finished generation (its KV cache cleared) for the next
// one of the same context and batch size: creating a context costs 5-25 ms, and a fresh one's
// KV cache and compute buffers fault their pages in again during the prompt (for a 152k-token
// vocabulary that is a 300 MB logits buffer), which made prompt processing ~14% slower than a
// reused context. At most one idle context is kept; dispose() frees it.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "Handles.h"
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

    // The idle context for these sizes (its memory cleared), or null: the caller then creates one.
    ContextPtr takeContext(uint32_t n_ctx, uint32_t n_batch);
    // Gives a context back after a generation that ended normally; it is cleared and kept as the
    // idle one (replacing a previous idle one), or freed when the model is disposed.
    void returnContext(ContextPtr ctx, uint32_t n_ctx, uint32_t n_batch);

  private:
    llama_model * model_;
    std::string path_;
    std::atomic<bool> disposed_{false};
    std::mutex mutex_;
    std::vector<std::weak_ptr<GenerationControl>> running_;
    ContextPtr idle_;
    uint32_t idle_n_ctx_ = 0;
    uint32_t idle_n_batch_ = 0;
};

// A context borrowed from a ModelHandle for one generation. giveBack() returns it for reuse once
// the generation ended normally; if the generation throws, the destructor frees it instead.
class ContextLease {
  public:
    ContextLease(ModelHandle & handle, uint32_t n_ctx, uint32_t n_batch)
        : handle_(handle), n_ctx_(n_ctx), n_batch_(n_batch), ctx_(handle.takeContext(n_ctx, n_batch)) {}
    ContextLease(const ContextLease &) = delete;
    ContextLease & operator=(const ContextLease &) = delete;

    llama_context * get() const { return ctx_.get(); }
    void reset(llama_context * ctx) { ctx_.reset(ctx); }
    void giveBack() { handle_.returnContext(std::move(ctx_), n_ctx_, n_batch_); }

  private:
    ModelHandle & handle_;
    uint32_t n_ctx_;
    uint32_t n_batch_;
    ContextPtr ctx_;
};

}  // namespace persona
