// The bias kernel: dot products of every row of a V x d matrix with one vector.
//
// Rows are stored either as f32 or as IEEE half floats (f16). The SIMD path is chosen at
// run time from the CPU's features (AVX-512F, AVX2+FMA+F16C on x86-64; NEON on arm64);
// the scalar path is always available and gives the same numbers within float rounding.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace persona {

// Auto and Simd take the best SIMD path of this CPU; Avx2/Avx512/Neon force one path
// (and fall back to scalar when the CPU lacks it: check simdPaths() first).
enum class KernelImpl { Auto, Scalar, Simd, Avx2, Avx512, Neon };

enum class RowType { F32, F16 };

// Writes out[v] = dot(rows[v], user) for v in [0, n_rows). `rows` points at n_rows * dims
// elements of `type`. With KernelImpl::Simd and no SIMD support, the scalar path runs.
void dotRows(const void * rows, RowType type, size_t n_rows, size_t dims, const float * user, float * out,
             KernelImpl impl = KernelImpl::Auto);

// One f32 -> f16 and f16 -> f32 conversion (round to nearest even), independent of the CPU.
uint16_t floatToHalf(float value);
float halfToFloat(uint16_t value);

// The name of the SIMD path that KernelImpl::Auto takes on this CPU ("avx512", "avx2", "neon" or "scalar").
std::string simdPathName();

// The SIMD paths this CPU can run, best first, comma-separated (e.g. "avx512,avx2").
std::string simdPaths();

// The CPU features this process sees at run time, comma-separated.
std::string cpuFeatureList();

}  // namespace persona
