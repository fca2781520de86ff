// The persona-gen native addon (the product): module entry point. It exports only what the
// library uses; test hooks and bench tools live in the development addon (native/dev/).
#include <napi.h>

#include "AddonExports.h"

static Napi::Object InitAddon(Napi::Env env, Napi::Object exports) { return persona::InitProductExports(env, exports); }

NODE_API_MODULE(persona_gen, InitAddon)
