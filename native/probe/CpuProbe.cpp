// persona_gen_cpuprobe.node: a tiny addon, compiled for the architecture's baseline, that
// asks the CPU itself (CPUID) which x86-64 feature level it has. The loader uses it to choose
// between the baseline and the AVX2 prebuilt binaries before loading either; /proc/cpuinfo
// is not enough (emulators and containers may show the host's flags).
#include <napi.h>

namespace {

bool hasX86V3() {
#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c") &&
           __builtin_cpu_supports("bmi2");
#else
    return false;
#endif
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
    exports.Set("hasAvx2", Napi::Function::New(env, [](const Napi::CallbackInfo & info) {
        return Napi::Boolean::New(info.Env(), hasX86V3());
    }));
    return exports;
}

}  // namespace

NODE_API_MODULE(persona_gen_cpuprobe, Init)
