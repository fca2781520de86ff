#include "BiasKernel.h"

#include <cstring>

#include "Portability.h"

#ifdef PERSONA_X86
#if defined(__GNUC__) && !defined(__clang__)
// GCC 12's AVX-512 headers trip -Wmaybe-uninitialized inside their own inline functions.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <immintrin.h>
#endif
#if defined(__aarch64__) && defined(__ARM_NEON)
#define PERSONA_NEON 1
#include <arm_neon.h>
#endif

namespace persona {

uint16_t floatToHalf(float value) {
    uint32_t x;
    std::memcpy(&x, &value, sizeof x);
    const uint32_t sign = (x >> 16) & 0x8000u;
    uint32_t mant = x & 0x007fffffu;
    const int32_t exp = static_cast<int32_t>((x >> 23) & 0xffu);
    if (exp == 0xff) {  // inf or nan
        return static_cast<uint16_t>(sign | 0x7c00u | (mant ? 0x200u : 0u));
    }
    int32_t e = exp - 127 + 15;
    if (e >= 0x1f) return static_cast<uint16_t>(sign | 0x7c00u);  // overflow -> inf
    if (e <= 0) {                                                  // subnormal or zero
        if (e < -10) return static_cast<uint16_t>(sign);
        mant |= 0x00800000u;
        const uint32_t shift = static_cast<uint32_t>(14 - e);
        uint32_t half = mant >> shift;
        const uint32_t rem = mant & ((1u << shift) - 1u);
        const uint32_t halfway = 1u << (shift - 1);
        if (rem > halfway || (rem == halfway && (half & 1u))) half++;
        return static_cast<uint16_t>(sign | half);
    }
    uint32_t half = (static_cast<uint32_t>(e) << 10) | (mant >> 13);
    const uint32_t rem = mant & 0x1fffu;
    if (rem > 0x1000u || (rem == 0x1000u && (half & 1u))) half++;  // may carry into the exponent: still right
    return static_cast<uint16_t>(sign | half);
}

float halfToFloat(uint16_t h) {
    const uint32_t sign = (static_cast<uint32_t>(h) & 0x8000u) << 16;
    uint32_t exp = (h >> 10) & 0x1fu;
    uint32_t mant = h & 0x3ffu;
    uint32_t bits;
    if (exp == 0) {
        if (mant == 0) {
            bits = sign;
        } else {  // subnormal: normalize
            exp = 127 - 15 + 1;
            while ((mant & 0x400u) == 0) {
                mant <<= 1;
                exp--;
            }
            mant &= 0x3ffu;
            bits = sign | (exp << 23) | (mant << 13);
        }
    } else if (exp == 0x1f) {
        bits = sign | 0x7f800000u | (mant << 13);
    } else {
        bits = sign | ((exp + 127 - 15) << 23) | (mant << 13);
    }
    float out;
    std::memcpy(&out, &bits, sizeof out);
    return out;
}

namespace {

// Scalar: eight partial sums, like the SIMD lanes, so the two paths round alike.
float dotScalarF32(const float * a, const float * b, size_t n) {
    float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        for (int k = 0; k < 8; k++) acc[k] += a[i + k] * b[i + k];
    }
    for (; i < n; i++) acc[i & 7] += a[i] * b[i];
    return ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
}

float dotScalarF16(const uint16_t * a, const float * b, size_t n) {
    float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        for (int k = 0; k < 8; k++) acc[k] += halfToFloat(a[i + k]) * b[i + k];
    }
    for (; i < n; i++) acc[i & 7] += halfToFloat(a[i]) * b[i];
    return ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
}

void rowsScalar(const void * rows, RowType type, size_t n_rows, size_t dims, const float * user, float * out) {
    if (type == RowType::F32) {
        const float * r = static_cast<const float *>(rows);
        for (size_t v = 0; v < n_rows; v++) out[v] = dotScalarF32(r + v * dims, user, dims);
    } else {
        const uint16_t * r = static_cast<const uint16_t *>(rows);
        for (size_t v = 0; v < n_rows; v++) out[v] = dotScalarF16(r + v * dims, user, dims);
    }
}

#ifdef PERSONA_X86

PERSONA_TARGET("avx2,fma") inline float hsum256(__m256 v) {
    const __m128 lo = _mm256_castps256_ps128(v);
    const __m128 hi = _mm256_extractf128_ps(v, 1);
    __m128 s = _mm_add_ps(lo, hi);
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

PERSONA_TARGET("avx2,fma,f16c") void rowsAvx2(const void * rows, RowType type, size_t n_rows, size_t dims,
                                                       const float * user, float * out) {
    const size_t n32 = dims & ~static_cast<size_t>(31);
    const size_t n8 = dims & ~static_cast<size_t>(7);
    for (size_t v = 0; v < n_rows; v++) {
        __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps(), a2 = _mm256_setzero_ps(), a3 = _mm256_setzero_ps();
        float tail = 0.0f;
        if (type == RowType::F32) {
            const float * r = static_cast<const float *>(rows) + v * dims;
            size_t i = 0;
            for (; i < n32; i += 32) {
                a0 = _mm256_fmadd_ps(_mm256_loadu_ps(r + i), _mm256_loadu_ps(user + i), a0);
                a1 = _mm256_fmadd_ps(_mm256_loadu_ps(r + i + 8), _mm256_loadu_ps(user + i + 8), a1);
                a2 = _mm256_fmadd_ps(_mm256_loadu_ps(r + i + 16), _mm256_loadu_ps(user + i + 16), a2);
                a3 = _mm256_fmadd_ps(_mm256_loadu_ps(r + i + 24), _mm256_loadu_ps(user + i + 24), a3);
            }
            for (; i < n8; i += 8) a0 = _mm256_fmadd_ps(_mm256_loadu_ps(r + i), _mm256_loadu_ps(user + i), a0);
            for (; i < dims; i++) tail += r[i] * user[i];
        } else {
            const uint16_t * r = static_cast<const uint16_t *>(rows) + v * dims;
            size_t i = 0;
            for (; i < n32; i += 32) {
                const __m256 x0 = _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i *>(r + i)));
                const __m256 x1 = _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i *>(r + i + 8)));
                const __m256 x2 = _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i *>(r + i + 16)));
                const __m256 x3 = _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i *>(r + i + 24)));
                a0 = _mm256_fmadd_ps(x0, _mm256_loadu_ps(user + i), a0);
                a1 = _mm256_fmadd_ps(x1, _mm256_loadu_ps(user + i + 8), a1);
                a2 = _mm256_fmadd_ps(x2, _mm256_loadu_ps(user + i + 16), a2);
                a3 = _mm256_fmadd_ps(x3, _mm256_loadu_ps(user + i + 24), a3);
            }
            for (; i < n8; i += 8) {
                const __m256 x = _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i *>(r + i)));
                a0 = _mm256_fmadd_ps(x, _mm256_loadu_ps(user + i), a0);
            }
            for (; i < dims; i++) tail += halfToFloat(r[i]) * user[i];
        }
        out[v] = hsum256(_mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3))) + tail;
    }
}

PERSONA_TARGET("avx512f") void rowsAvx512(const void * rows, RowType type, size_t n_rows, size_t dims,
                                                   const float * user, float * out) {
    const size_t n32 = dims & ~static_cast<size_t>(31);
    const size_t n16 = dims & ~static_cast<size_t>(15);
    for (size_t v = 0; v < n_rows; v++) {
        __m512 a0 = _mm512_setzero_ps(), a1 = _mm512_setzero_ps();
        float tail = 0.0f;
        if (type == RowType::F32) {
            const float * r = static_cast<const float *>(rows) + v * dims;
            size_t i = 0;
            for (; i < n32; i += 32) {
                a0 = _mm512_fmadd_ps(_mm512_loadu_ps(r + i), _mm512_loadu_ps(user + i), a0);
                a1 = _mm512_fmadd_ps(_mm512_loadu_ps(r + i + 16), _mm512_loadu_ps(user + i + 16), a1);
            }
            for (; i < n16; i += 16) a0 = _mm512_fmadd_ps(_mm512_loadu_ps(r + i), _mm512_loadu_ps(user + i), a0);
            for (; i < dims; i++) tail += r[i] * user[i];
        } else {
            const uint16_t * r = static_cast<const uint16_t *>(rows) + v * dims;
            size_t i = 0;
            for (; i < n32; i += 32) {
                const __m512 x0 = _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i *>(r + i)));
                const __m512 x1 = _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i *>(r + i + 16)));
                a0 = _mm512_fmadd_ps(x0, _mm512_loadu_ps(user + i), a0);
                a1 = _mm512_fmadd_ps(x1, _mm512_loadu_ps(user + i + 16), a1);
            }
            for (; i < n16; i += 16) {
                const __m512 x = _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i *>(r + i)));
                a0 = _mm512_fmadd_ps(x, _mm512_loadu_ps(user + i), a0);
            }
            for (; i < dims; i++) tail += halfToFloat(r[i]) * user[i];
        }
        out[v] = _mm512_reduce_add_ps(_mm512_add_ps(a0, a1)) + tail;
    }
}

bool hasAvx2() {
    const port::CpuFeatures & f = port::cpuFeatures();
    return f.avx2 && f.fma && f.f16c;
}

bool hasAvx512() {
    return port::cpuFeatures().avx512f;
}

#endif  // PERSONA_X86

#ifdef PERSONA_NEON
void rowsNeon(const void * rows, RowType type, size_t n_rows, size_t dims, const float * user, float * out) {
    const size_t n16 = dims & ~static_cast<size_t>(15);
    for (size_t v = 0; v < n_rows; v++) {
        float32x4_t a0 = vdupq_n_f32(0), a1 = vdupq_n_f32(0), a2 = vdupq_n_f32(0), a3 = vdupq_n_f32(0);
        float tail = 0.0f;
        size_t i = 0;
        if (type == RowType::F32) {
            const float * r = static_cast<const float *>(rows) + v * dims;
            for (; i < n16; i += 16) {
                a0 = vfmaq_f32(a0, vld1q_f32(r + i), vld1q_f32(user + i));
                a1 = vfmaq_f32(a1, vld1q_f32(r + i + 4), vld1q_f32(user + i + 4));
                a2 = vfmaq_f32(a2, vld1q_f32(r + i + 8), vld1q_f32(user + i + 8));
                a3 = vfmaq_f32(a3, vld1q_f32(r + i + 12), vld1q_f32(user + i + 12));
            }
            for (; i < dims; i++) tail += r[i] * user[i];
        } else {
            const uint16_t * r = static_cast<const uint16_t *>(rows) + v * dims;
            for (; i < n16; i += 16) {
                const float16x8_t h0 = vreinterpretq_f16_u16(vld1q_u16(r + i));
                const float16x8_t h1 = vreinterpretq_f16_u16(vld1q_u16(r + i + 8));
                a0 = vfmaq_f32(a0, vcvt_f32_f16(vget_low_f16(h0)), vld1q_f32(user + i));
                a1 = vfmaq_f32(a1, vcvt_f32_f16(vget_high_f16(h0)), vld1q_f32(user + i + 4));
                a2 = vfmaq_f32(a2, vcvt_f32_f16(vget_low_f16(h1)), vld1q_f32(user + i + 8));
                a3 = vfmaq_f32(a3, vcvt_f32_f16(vget_high_f16(h1)), vld1q_f32(user + i + 12));
            }
            for (; i < dims; i++) tail += halfToFloat(r[i]) * user[i];
        }
        out[v] = vaddvq_f32(vaddq_f32(vaddq_f32(a0, a1), vaddq_f32(a2, a3))) + tail;
    }
}
#endif

}  // namespace

void dotRows(const void * rows, RowType type, size_t n_rows, size_t dims, const float * user, float * out,
             KernelImpl impl) {
    const bool any = impl == KernelImpl::Auto || impl == KernelImpl::Simd;
    if (impl != KernelImpl::Scalar) {
#ifdef PERSONA_X86
        if ((any || impl == KernelImpl::Avx512) && hasAvx512()) return rowsAvx512(rows, type, n_rows, dims, user, out);
        if ((any || impl == KernelImpl::Avx2) && hasAvx2()) return rowsAvx2(rows, type, n_rows, dims, user, out);
#endif
#ifdef PERSONA_NEON
        if (any || impl == KernelImpl::Neon) return rowsNeon(rows, type, n_rows, dims, user, out);
#endif
    }
    rowsScalar(rows, type, n_rows, dims, user, out);
}

std::string simdPathName() {
#ifdef PERSONA_X86
    if (hasAvx512()) return "avx512";
    if (hasAvx2()) return "avx2";
#endif
#ifdef PERSONA_NEON
    return "neon";
#endif
    return "scalar";
}

std::string simdPaths() {
    std::string out;
#ifdef PERSONA_X86
    if (hasAvx512()) out += "avx512";
    if (hasAvx2()) out += out.empty() ? "avx2" : ",avx2";
#endif
#ifdef PERSONA_NEON
    out += "neon";
#endif
    return out;
}

std::string cpuFeatureList() {
    std::string out;
    auto add = [&](bool on, const char * name) {
        if (!on) return;
        if (!out.empty()) out += ",";
        out += name;
    };
#ifdef PERSONA_X86
    const port::CpuFeatures & f = port::cpuFeatures();
    add(f.sse42, "sse4.2");
    add(f.avx, "avx");
    add(f.avx2, "avx2");
    add(f.fma, "fma");
    add(f.f16c, "f16c");
    add(f.avx512f, "avx512f");
    add(f.avx512bw, "avx512bw");
    add(f.avx512vnni, "avx512vnni");
#endif
#ifdef PERSONA_NEON
    add(true, "neon");
#endif
    return out.empty() ? "none" : out;
}

}  // namespace persona
