// What the persona-gen addon exports (AddonModel, AddonVocabMatrix, systemInfo), set up once per
// environment. Shared by the product entry point (addon.cpp) and the development addon
// (dev/DevAddon.cpp), which adds its test hooks and bench tools on top.
#pragma once

#include <napi.h>

namespace persona {

// Initialises llama.cpp's backend (once per process) and this environment's state, and sets the
// product exports on `exports`.
Napi::Object InitProductExports(Napi::Env env, Napi::Object exports);

}  // namespace persona
