#include "ModelHandle.h"

#include <algorithm>

namespace persona {

ModelHandle::~ModelHandle() {
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
}

}  // namespace persona
