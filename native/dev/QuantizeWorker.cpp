#include "QuantizeWorker.h"

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <stdexcept>

#include "Handles.h"
#include "LlamaLog.h"
#include "GgufPrecheck.h"
#include "Portability.h"
#include "gguf.h"

namespace persona {
namespace {

struct FtypeName {
    const char * name;
    llama_ftype ftype;
};

const FtypeName kFtypes[] = {
    {"f16", LLAMA_FTYPE_MOSTLY_F16},       {"q8_0", LLAMA_FTYPE_MOSTLY_Q8_0},     {"q6_k", LLAMA_FTYPE_MOSTLY_Q6_K},
    {"q5_k_m", LLAMA_FTYPE_MOSTLY_Q5_K_M}, {"q4_k_m", LLAMA_FTYPE_MOSTLY_Q4_K_M}, {"q4_0", LLAMA_FTYPE_MOSTLY_Q4_0},
};


// The input must be a GGUF file whose metadata names an architecture: llama.cpp's loader
// then reports problems as errors rather than asserting.
void checkQuantizeInput(const std::string & path) {
    const GgufPtr g = openGgufMetadata(path).gguf;
    const int64_t arch = gguf_find_key(g.get(), "general.architecture");
    if (arch < 0 || gguf_get_kv_type(g.get(), arch) != GGUF_TYPE_STRING) {
        throw std::runtime_error(path + " has no general.architecture: not a model GGUF");
    }
    if (gguf_get_n_tensors(g.get()) == 0) throw std::runtime_error(path + " holds no tensors: not a model GGUF");
}

void checkOutputDir(const std::string & path) {
    const std::string dir = port::parentDir(path);
    if (!port::statPath(dir).directory) {
        throw std::runtime_error("the output folder " + dir + " does not exist");
    }
}

}  // namespace

bool QuantizeWorker::ftypeFromName(const std::string & name, llama_ftype & out) {
    for (const auto & f : kFtypes) {
        if (name == f.name) {
            out = f.ftype;
            return true;
        }
    }
    return false;
}

std::string QuantizeWorker::ftypeNames() {
    std::string out;
    for (const auto & f : kFtypes) out += (out.empty() ? "" : ", ") + std::string(f.name);
    return out;
}

QuantizeWorker::QuantizeWorker(Napi::Env env, QuantizeParams params)
    : PromiseWorker(env, "persona-gen:quantize", "quantizing " + params.input), params_(std::move(params)) {}

void QuantizeWorker::work() {
    checkQuantizeInput(params_.input);
    checkOutputDir(params_.output);
    const std::string tmp = params_.output + ".tmp";
    LlamaLog::clearThreadErrors();
    llama_model_quantize_params qp = llama_model_quantize_default_params();
    qp.nthread = params_.threads;
    qp.ftype = params_.ftype;
    const auto t0 = std::chrono::steady_clock::now();
    const uint32_t rc = llama_model_quantize(params_.input.c_str(), tmp.c_str(), &qp);
    ms_ = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    if (rc != 0) {
        port::removeFile(tmp);
        const std::string why = LlamaLog::threadErrors();
        throw std::runtime_error("llama_model_quantize failed on " + params_.input + (why.empty() ? "" : ": " + why));
    }
    if (port::renameFile(tmp, params_.output) != 0) {
        port::removeFile(tmp);
        throw std::runtime_error("cannot rename " + tmp + " to " + params_.output + ": " + std::strerror(errno));
    }
    const port::PathInfo st = port::statPath(params_.output);
    if (st.exists) bytes_ = static_cast<double>(st.size);
}

Napi::Value QuantizeWorker::result(Napi::Env env) {
    Napi::Object out = Napi::Object::New(env);
    out.Set("path", params_.output);
    out.Set("bytes", bytes_);
    out.Set("ms", ms_);
    return out;
}

}  // namespace persona
