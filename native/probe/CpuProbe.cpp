// persona_gen_cpuprobe.node: a tiny addon, compiled for the architecture's baseline, that asks
// the CPU itself which x86-64 feature level it has: CPUID for the instruction sets and XGETBV for
// the register state the OS saves (AVX and AVX-512 registers are usable only when the OS saves
// them). The loader uses it to choose between the baseline, AVX2 and AVX-512 prebuilt binaries
// before loading any; /proc/cpuinfo is not enough (emulators and containers may show the host's
// flags). CPUID/XGETBV are read in Portability.cpp (GCC/Clang and MSVC branches), shared with
// the addon's own bias kernel.
#include <napi.h>

#include "../Portability.h"

namespace {

struct X86Level {
    bool v3 = false;      // AVX, AVX2, FMA, F16C, BMI2, with the AVX state saved by the OS
    bool avx512 = false;  // v3 + AVX-512 F/CD/VL/DQ/BW + VNNI, with the AVX-512 state saved
};

X86Level detect() {
    const persona::port::CpuFeatures & f = persona::port::cpuFeatures();
    X86Level level;
    level.v3 = f.avx && f.avx2 && f.fma && f.f16c && f.bmi2;
    level.avx512 = level.v3 && f.avx512f && f.avx512dq && f.avx512cd && f.avx512bw && f.avx512vl && f.avx512vnni;
    return level;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
    exports.Set("hasAvx2", Napi::Function::New(env, [](const Napi::CallbackInfo & info) {
        return Napi::Boolean::New(info.Env(), detect().v3);
    }));
    exports.Set("hasAvx512", Napi::Function::New(env, [](const Napi::CallbackInfo & info) {
        return Napi::Boolean::New(info.Env(), detect().avx512);
    }));
    return exports;
}

}  // namespace

NODE_API_MODULE(persona_gen_cpuprobe, Init)
