// persona_gen_cpuprobe.node: a tiny addon, compiled for the architecture's baseline, that asks
// the CPU itself which x86-64 feature level it has: CPUID for the instruction sets and XGETBV for
// the register state the OS saves (AVX and AVX-512 registers are usable only when the OS saves
// them). The loader uses it to choose between the baseline, AVX2 and AVX-512 prebuilt binaries
// before loading any; /proc/cpuinfo is not enough (emulators and containers may show the host's
// flags). The same code serves GCC/Clang and MSVC: only the two intrinsics differ.
#include <napi.h>

#include <cstdint>

#if defined(_MSC_VER) && (defined(_M_X64) || defined(_M_IX86))
#include <intrin.h>
#define PERSONA_GEN_X86 1
#elif (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
#include <cpuid.h>
#define PERSONA_GEN_X86 1
#endif

namespace {

struct X86Level {
    bool v3 = false;      // AVX, AVX2, FMA, F16C, BMI2, with the AVX state saved by the OS
    bool avx512 = false;  // v3 + AVX-512 F/CD/VL/DQ/BW + VNNI, with the AVX-512 state saved
};

#ifdef PERSONA_GEN_X86
// regs = {eax, ebx, ecx, edx} of CPUID(leaf, subleaf).
void cpuid(uint32_t leaf, uint32_t subleaf, uint32_t regs[4]) {
#if defined(_MSC_VER)
    int r[4];
    __cpuidex(r, static_cast<int>(leaf), static_cast<int>(subleaf));
    for (int i = 0; i < 4; i++) regs[i] = static_cast<uint32_t>(r[i]);
#else
    __cpuid_count(leaf, subleaf, regs[0], regs[1], regs[2], regs[3]);
#endif
}

// XCR0: which register states the OS saves and restores. Only call when CPUID says OSXSAVE.
uint64_t xcr0() {
#if defined(_MSC_VER)
    return _xgetbv(0);
#else
    uint32_t eax = 0, edx = 0;
    __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
    return (static_cast<uint64_t>(edx) << 32) | eax;
#endif
}

bool bit(uint32_t reg, int n) { return ((reg >> n) & 1u) != 0; }
#endif

X86Level detect() {
    X86Level level;
#ifdef PERSONA_GEN_X86
    uint32_t r[4];
    cpuid(0, 0, r);
    if (r[0] < 7) return level;
    cpuid(1, 0, r);
    const uint32_t ecx1 = r[2];
    if (!bit(ecx1, 27) || !bit(ecx1, 28)) return level;  // OSXSAVE, AVX
    const uint64_t xcr = xcr0();
    const bool os_avx = (xcr & 0x6) == 0x6;        // SSE and AVX (YMM) state
    const bool os_avx512 = (xcr & 0xE6) == 0xE6;   // + opmask, ZMM_Hi256, Hi16_ZMM state
    cpuid(7, 0, r);
    const uint32_t ebx7 = r[1];
    const uint32_t ecx7 = r[2];
    level.v3 = os_avx && bit(ecx1, 12) /* FMA */ && bit(ecx1, 29) /* F16C */ && bit(ebx7, 5) /* AVX2 */ &&
               bit(ebx7, 8) /* BMI2 */;
    level.avx512 = level.v3 && os_avx512 && bit(ebx7, 16) /* F */ && bit(ebx7, 17) /* DQ */ &&
                   bit(ebx7, 28) /* CD */ && bit(ebx7, 30) /* BW */ && bit(ebx7, 31) /* VL */ &&
                   bit(ecx7, 11) /* VNNI */;
#endif
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
