// Timing loops for the benchmarks, run natively so that no JavaScript sits inside the
// timed region: a plain large copy (the memory bandwidth a streaming kernel can reach at
// best) and full-vocabulary passes of the bias kernel.
#pragma once

#include <cstddef>
#include <vector>

#include "BiasKernel.h"
#include "VocabMatrixData.h"

namespace persona {

class MemoryBench {
  public:
    // Copies a `bytes` buffer into another (memcpy, `threads` threads each copying its own
    // slice) `reps` times; returns the wall ms of each rep. Both buffers are written before
    // timing so that page faults stay outside. Warm-up runs are the caller's business.
    static std::vector<double> copyMs(size_t bytes, int reps, int threads);

    // Runs `reps` full passes dot(E_v, user) over every row of `matrix` into one reused
    // output buffer; returns the ms of each pass.
    static std::vector<double> dotPassMs(const VocabMatrixData & matrix, const float * user, KernelImpl impl, int reps);
};

}  // namespace persona
