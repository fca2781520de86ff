#include "VocabMatrixData.h"

#include <cmath>
#include <cstring>
#include <stdexcept>

#include "VectorMath.h"

namespace persona {

VocabMatrixData::VocabMatrixData(std::vector<float> data, size_t rows, size_t dims, bool center, RowType type)
    : rows_(rows), dims_(dims), type_(type) {
    if (data.size() != rows * dims) throw std::invalid_argument("the matrix data does not hold rows x dims values");
    std::vector<float> work = std::move(data);
    std::vector<uint8_t> zero(rows, 0);
    for (size_t v = 0; v < rows; v++) {
        const float * r = &work[v * dims];
        bool all_zero = true;
        for (size_t i = 0; i < dims && all_zero; i++) all_zero = r[i] == 0.0f;
        zero[v] = all_zero ? 1 : 0;
    }
    if (center) {
        std::vector<double> mean(dims, 0.0);
        size_t n = 0;
        for (size_t v = 0; v < rows; v++) {
            if (zero[v]) continue;
            n++;
            for (size_t i = 0; i < dims; i++) mean[i] += work[v * dims + i];
        }
        if (n > 0) {
            for (auto & m : mean) m /= static_cast<double>(n);
            for (size_t v = 0; v < rows; v++) {
                if (zero[v]) continue;
                for (size_t i = 0; i < dims; i++) work[v * dims + i] -= static_cast<float>(mean[i]);
            }
        }
    }
    for (size_t v = 0; v < rows; v++) {
        float * r = &work[v * dims];
        if (zero[v] || !l2Normalize(r, dims)) {
            std::memset(r, 0, dims * sizeof(float));
            zero_rows_++;
        }
    }
    if (type == RowType::F32) {
        f32_ = std::move(work);
    } else {
        f16_.resize(rows * dims);
        for (size_t i = 0; i < rows * dims; i++) f16_[i] = floatToHalf(work[i]);
        work = std::vector<float>();
    }
}

size_t VocabMatrixData::byteSize() const {
    return type_ == RowType::F32 ? f32_.size() * sizeof(float) : f16_.size() * sizeof(uint16_t);
}

const void * VocabMatrixData::rowData() const {
    return type_ == RowType::F32 ? static_cast<const void *>(f32_.data()) : static_cast<const void *>(f16_.data());
}

void VocabMatrixData::copyRow(size_t v, float * out) const {
    if (type_ == RowType::F32) {
        std::memcpy(out, &f32_[v * dims_], dims_ * sizeof(float));
    } else {
        for (size_t i = 0; i < dims_; i++) out[i] = halfToFloat(f16_[v * dims_ + i]);
    }
}

void VocabMatrixData::computeDots(const float * user, float * out, KernelImpl impl) const {
    dotRows(rowData(), type_, rows_, dims_, user, out, impl);
}

std::shared_ptr<const std::vector<float>> VocabMatrixData::dotsFor(const float * user, KernelImpl impl) {
    {
        std::lock_guard<std::mutex> lock(cache_mutex_);
        for (auto it = cache_.begin(); it != cache_.end(); ++it) {
            if (std::memcmp(it->user.data(), user, dims_ * sizeof(float)) == 0) {
                cache_.splice(cache_.begin(), cache_, it);
                return cache_.front().dots;
            }
        }
    }
    auto dots = std::make_shared<std::vector<float>>(rows_);
    computeDots(user, dots->data(), impl);
    std::lock_guard<std::mutex> lock(cache_mutex_);
    cache_.push_front(CacheEntry{std::vector<float>(user, user + dims_), dots});
    if (cache_.size() > kCacheSize) cache_.pop_back();
    return dots;
}

}  // namespace persona
