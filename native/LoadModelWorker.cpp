#include "LoadModelWorker.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>

#include "AddonModel.h"
#include "GgufPrecheck.h"
#include "LlamaLog.h"
#include "Portability.h"

namespace persona {

LoadModelWorker::LoadModelWorker(Napi::Env env, LoadModelParams params)
    : PromiseWorker(env, "persona-gen:loadModel", "loading " + params.path), params_(std::move(params)) {}

void LoadModelWorker::work() {
    checkGgufFile(params_.path);
    LlamaLog::clearThreadErrors();
    llama_model_params mp = llama_model_default_params();
    mp.n_gpu_layers = params_.gpu_layers;
    if (!params_.use_mmap) mp.load_mode = LLAMA_LOAD_MODE_NONE;
    llama_model * model = llama_model_load_from_file(params_.path.c_str(), mp);
    if (!model) {
        std::string why = LlamaLog::threadErrors();
        throw std::runtime_error("failed to load model " + params_.path + (why.empty() ? "" : ": " + why));
    }
    handle_ = std::make_shared<ModelHandle>(model, params_.path, params_.engine);
}

Napi::Value LoadModelWorker::result(Napi::Env env) { return AddonModel::NewInstance(env, handle_); }

}  // namespace persona
