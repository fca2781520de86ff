// What the persona-gen addon exports, set up once per environment (see AddonExports.h).
#include "AddonExports.h"

#include <mutex>
#include <string>
#include <thread>

#include "AddonModel.h"
#include "AddonState.h"
#include "AddonVocabMatrix.h"
#include "BiasKernel.h"
#include "LlamaLog.h"
#include "llama.h"

namespace persona {
namespace {

Napi::Value SystemInfo(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    Napi::Object o = Napi::Object::New(env);
    o.Set("llamaRelease", PERSONA_GEN_LLAMA_RELEASE);
    o.Set("llamaCommit", PERSONA_GEN_LLAMA_COMMIT);
    o.Set("llamaSystemInfo", llama_print_system_info());
    o.Set("simdPath", simdPathName());
    o.Set("cpuFeatures", cpuFeatureList());
    Napi::Array paths = Napi::Array::New(env);
    std::string list = simdPaths();
    for (size_t start = 0; start < list.size();) {
        size_t end = list.find(',', start);
        if (end == std::string::npos) end = list.size();
        paths.Set(paths.Length(), list.substr(start, end - start));
        start = end + 1;
    }
    o.Set("simdPaths", paths);
    o.Set("hardwareThreads", static_cast<double>(std::thread::hardware_concurrency()));
    o.Set("gpuOffload", llama_supports_gpu_offload());
    o.Set("napiVersion", NAPI_VERSION);
    o.Set("cpuTarget", PERSONA_GEN_CPU_TARGET);
    return o;
}

}  // namespace

Napi::Object InitProductExports(Napi::Env env, Napi::Object exports) {
    LlamaLog::install();
    static std::once_flag backend_once;
    std::call_once(backend_once, [] { llama_backend_init(); });

    auto * state = new AddonState();
    env.SetInstanceData<AddonState>(state);
    Napi::Function model = AddonModel::Init(env);
    Napi::Function matrix = AddonVocabMatrix::Init(env);
    state->model_ctor = Napi::Persistent(model);
    state->matrix_ctor = Napi::Persistent(matrix);

    exports.Set("AddonModel", model);
    exports.Set("AddonVocabMatrix", matrix);
    exports.Set("systemInfo", Napi::Function::New(env, SystemInfo, "systemInfo"));
    return exports;
}

}  // namespace persona
