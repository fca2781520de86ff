// Per-environment state of the addon (one per Node.js thread/worker that loads it).
#pragma once

#include <napi.h>

namespace persona {

struct AddonState {
    Napi::FunctionReference model_ctor;
    Napi::FunctionReference matrix_ctor;

    static AddonState & get(Napi::Env env) { return *env.GetInstanceData<AddonState>(); }
};

}  // namespace persona
