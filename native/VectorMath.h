// The vector helpers of the native side (one place): L2 normalization of a user vector or a
// matrix row. (The TypeScript side has its own one place, lib/embed/vector-math.ts.)
#pragma once

#include <cmath>
#include <cstddef>

namespace persona {

// Scales v[0..n) to unit L2 length (the norm accumulated in double precision) and returns true;
// a zero vector is left as it is and gives false.
inline bool l2Normalize(float * v, size_t n) {
    double norm = 0.0;
    for (size_t i = 0; i < n; i++) norm += static_cast<double>(v[i]) * v[i];
    if (norm == 0.0) return false;
    const float inv = static_cast<float>(1.0 / std::sqrt(norm));
    for (size_t i = 0; i < n; i++) v[i] *= inv;
    return true;
}

}  // namespace persona
