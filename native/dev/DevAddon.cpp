// The development addon (persona_gen_dev.node): the product addon's exports plus the test hooks
// (`testing`) and bench tools (`tools`). Built only by the test and bench scripts
// (`npm run build:dev`), never shipped; typed by bindings/dev.d.ts for tests and benchmarks.
#include <napi.h>

#include "AddonExports.h"
#include "BenchTools.h"
#include "TestHooks.h"

static Napi::Object InitDevAddon(Napi::Env env, Napi::Object exports) {
    persona::InitProductExports(env, exports);
    exports.Set("testing", persona::TestHooks::Init(env));
    exports.Set("tools", persona::BenchTools::Init(env));
    return exports;
}

NODE_API_MODULE(persona_gen_dev, InitDevAddon)
