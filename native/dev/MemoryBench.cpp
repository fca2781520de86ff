#include "MemoryBench.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <thread>

namespace persona {
namespace {

using Clock = std::chrono::steady_clock;

double msBetween(Clock::time_point a, Clock::time_point b) {
    return std::chrono::duration<double, std::milli>(b - a).count();
}

void copySlices(char * dst, const char * src, size_t bytes, int threads) {
    if (threads <= 1) {
        std::memcpy(dst, src, bytes);
        return;
    }
    std::vector<std::thread> pool;
    const size_t slice = (bytes / static_cast<size_t>(threads) + 63) & ~static_cast<size_t>(63);
    for (int t = 0; t < threads; t++) {
        const size_t lo = std::min(bytes, slice * static_cast<size_t>(t));
        const size_t hi = std::min(bytes, lo + slice);
        if (hi > lo) pool.emplace_back([=] { std::memcpy(dst + lo, src + lo, hi - lo); });
    }
    for (auto & th : pool) th.join();
}

}  // namespace

std::vector<double> MemoryBench::copyMs(size_t bytes, int reps, int threads) {
    std::unique_ptr<char[]> src(new char[bytes]);
    std::unique_ptr<char[]> dst(new char[bytes]);
    std::memset(src.get(), 1, bytes);
    std::memset(dst.get(), 0, bytes);
    std::vector<double> out;
    out.reserve(static_cast<size_t>(reps));
    for (int r = 0; r < reps; r++) {
        src[static_cast<size_t>(r) % bytes] = static_cast<char>(r);
        const auto t0 = Clock::now();
        copySlices(dst.get(), src.get(), bytes, threads);
        out.push_back(msBetween(t0, Clock::now()));
        if (dst[static_cast<size_t>(r) % bytes] != static_cast<char>(r)) throw std::runtime_error("memory copy check failed");
    }
    return out;
}

std::vector<double> MemoryBench::dotPassMs(const VocabMatrixData & matrix, const float * user, KernelImpl impl, int reps) {
    std::vector<float> dots(matrix.rows());
    std::vector<double> out;
    out.reserve(static_cast<size_t>(reps));
    for (int r = 0; r < reps; r++) {
        const auto t0 = Clock::now();
        matrix.computeDots(user, dots.data(), impl);
        out.push_back(msBetween(t0, Clock::now()));
    }
    return out;
}

}  // namespace persona
