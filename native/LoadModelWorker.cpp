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

void checkGgufFile(const std::string & path) {
    const port::PathInfo st = port::statPath(path);
    if (!st.exists) {
        throw std::runtime_error("model file not found: " + path + " (" + std::strerror(st.error) + ")");
    }
    if (!st.regular) throw std::runtime_error("model path is not a regular file: " + path);
    FILE * f = port::openFile(path, "rb");
    if (!f) throw std::runtime_error("cannot open model file " + path + ": " + std::strerror(errno));
    unsigned char head[24] = {0};
    const size_t got = std::fread(head, 1, sizeof head, f);
    std::fclose(f);
    if (got < 4 || std::memcmp(head, "GGUF", 4) != 0) {
        throw std::runtime_error("not a GGUF file (the first bytes are not 'GGUF'): " + path);
    }
    if (got < sizeof head) throw std::runtime_error("GGUF file is truncated (shorter than its header): " + path);
    precheckGguf(path);  // header, KV pairs and tensor infos, before llama.cpp sees the file
}

LoadModelWorker::LoadModelWorker(Napi::Env env, LoadModelParams params)
    : Napi::AsyncWorker(env, "persona-gen:loadModel"),
      params_(std::move(params)),
      deferred_(Napi::Promise::Deferred::New(env)) {}

void LoadModelWorker::Execute() {
    try {
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
    } catch (const std::exception & e) {
        SetError(e.what());
    } catch (...) {
        SetError("unknown native error while loading " + params_.path);
    }
}

void LoadModelWorker::OnOK() {
    try {
        deferred_.Resolve(AddonModel::NewInstance(Env(), handle_));
    } catch (const Napi::Error & e) {
        deferred_.Reject(e.Value());
    }
}

void LoadModelWorker::OnError(const Napi::Error & error) { deferred_.Reject(error.Value()); }

}  // namespace persona
