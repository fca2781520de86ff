// ModelHandle: the weights and the batch engine that uses them (see the header).
#include "ModelHandle.h"

namespace persona {

ModelHandle::ModelHandle(llama_model * model, std::string path, EngineSettings engine)
    : model_(model), path_(std::move(path)), engine_(std::make_unique<BatchEngine>(model, engine)) {}

ModelHandle::~ModelHandle() {
    engine_.reset();  // its context must go before the model
    if (model_) llama_model_free(model_);
    model_ = nullptr;
}

void ModelHandle::markDisposed() {
    disposed_.store(true);
    engine_->shutdown();
}

}  // namespace persona
