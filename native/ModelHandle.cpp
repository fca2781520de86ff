#include "ModelHandle.h"

#include <algorithm>

namespace persona {

ModelHandle::~ModelHandle() {
    idle_.reset();  // a context must go before its model
    if (model_) llama_model_free(model_);
    model_ = nullptr;
}

void ModelHandle::track(const std::shared_ptr<GenerationControl> & control) {
    std::lock_guard<std::mutex> lock(mutex_);
    running_.erase(std::remove_if(running_.begin(), running_.end(), [](const auto & w) { return w.expired(); }),
                   running_.end());
    running_.push_back(control);
    if (disposed_.load()) {
        control->model_disposed.store(true);
        control->abort.store(true);
    }
}

void ModelHandle::markDisposed() {
    std::lock_guard<std::mutex> lock(mutex_);
    disposed_.store(true);
    for (auto & w : running_) {
        if (auto c = w.lock()) {
            c->model_disposed.store(true);
            c->abort.store(true);
        }
    }
    running_.clear();
    idle_.reset();
}

ContextPtr ModelHandle::takeContext(uint32_t n_ctx, uint32_t n_batch) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!idle_ || idle_n_ctx_ != n_ctx || idle_n_batch_ != n_batch || disposed_.load()) return nullptr;
    return std::move(idle_);
}

void ModelHandle::returnContext(ContextPtr ctx, uint32_t n_ctx, uint32_t n_batch) {
    if (!ctx) return;
    llama_set_abort_callback(ctx.get(), nullptr, nullptr);
    llama_memory_clear(llama_get_memory(ctx.get()), true);
    ContextPtr previous;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (disposed_.load()) return;  // ctx is freed on the way out, before the model can be
        previous = std::move(idle_);
        idle_ = std::move(ctx);
        idle_n_ctx_ = n_ctx;
        idle_n_batch_ = n_batch;
    }
}  // `previous` (if any) is freed here, outside the lock

}  // namespace persona
