// persona_gen_cpuprobe.node: a tiny addon, compiled for the architecture's baseline, that
// asks the CPU itself (CPUID, and the OS's saved-state support through libgcc) which x86-64
// feature level it has. The loader uses it to choose between the baseline, AVX2 and AVX-512
// prebuilt binaries before loading any; /proc/cpuinfo is not enough (emulators and containers
// may show the host's flags).
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

// What the avx512 prebuild is compiled for: x86-64-v3 plus AVX-512 F/CD/VL/DQ/BW and VNNI.
bool hasAvx512Vnni() {
#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
    return hasX86V3() && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512cd") &&
           __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq") &&
           __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vnni");
#else
    return false;
#endif
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
    exports.Set("hasAvx2", Napi::Function::New(env, [](const Napi::CallbackInfo & info) {
        return Napi::Boolean::New(info.Env(), hasX86V3());
    }));
    exports.Set("hasAvx512", Napi::Function::New(env, [](const Napi::CallbackInfo & info) {
        return Napi::Boolean::New(info.Env(), hasAvx512Vnni());
    }));
    return exports;
}

}  // namespace

NODE_API_MODULE(persona_gen_cpuprobe, Init)
