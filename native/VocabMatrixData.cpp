#include "VocabMatrixData.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <future>
#include <stdexcept>

#include "VectorMath.h"

namespace persona {

VocabMatrixData::VocabMatrixData(std::vector<float> data, size_t rows, size_t dims, bool center, RowType type)
    : rows_(rows), dims_(dims), type_(type) {
    if (data.size() != rows * dims) throw std::invalid_argument("the matrix data does not hold rows x dims values");
    std::vector<float> work = std::move(data);
    std::vector<uint8_t> & zero = zero_;
    zero.assign(rows, 0);
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
            center_.assign(dims, 0.0f);
            for (size_t i = 0; i < dims; i++) center_[i] = static_cast<float>(mean[i]);
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
            zero[v] = 1;  // a row equal to the centre is zero too
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

std::vector<float> VocabMatrixData::userInSpace(const float * user) const {
    std::vector<float> u(user, user + dims_);
    if (!center_.empty()) {
        for (size_t i = 0; i < dims_; i++) u[i] -= center_[i];
    }
    double norm = 0.0;
    for (float x : u) norm += static_cast<double>(x) * x;
    if (norm > 0.0) {
        const double inv = 1.0 / std::sqrt(norm);
        for (auto & x : u) x = static_cast<float>(x * inv);
    }
    return u;
}

std::shared_ptr<const BiasScores> VocabMatrixData::findCached(const float * user, BiasReference reference) {
    for (auto it = scores_.begin(); it != scores_.end(); ++it) {
        if (it->reference == reference && sameUser(it->user, user)) {
            scores_.splice(scores_.begin(), scores_, it);
            return scores_.front().scores;
        }
    }
    return nullptr;
}

bool VocabMatrixData::sameUser(const std::vector<float> & kept, const float * user) const {
    return std::memcmp(kept.data(), user, dims_ * sizeof(float)) == 0;
}

size_t VocabMatrixData::cacheEntries() const {
    const size_t per_entry = std::max<size_t>(1, rows_ * sizeof(float) + dims_ * sizeof(float));
    return std::min(kCacheMaxEntries, std::max(kCacheMinEntries, kCacheBytes / per_entry));
}

std::shared_ptr<const BiasScores> VocabMatrixData::cachedScores(const float * user, BiasReference reference) {
    std::lock_guard<std::mutex> lock(cache_mutex_);
    return findCached(user, reference);
}

std::shared_ptr<BiasScores> VocabMatrixData::computeScores(const float * user, BiasReference reference, KernelImpl impl) const {
    auto out = std::make_shared<BiasScores>();
    out->score.resize(rows_);
    const std::vector<float> u = userInSpace(user);
    computeDots(u.data(), out->score.data(), impl);
    if (reference == BiasReference::Neutral) {
        double sum = 0.0;
        size_t n = 0;
        for (size_t v = 0; v < rows_; v++) {
            if (zero_[v]) continue;
            sum += out->score[v];
            n++;
        }
        const float ref = n > 0 ? static_cast<float>(sum / static_cast<double>(n)) : 0.0f;
        out->reference = ref;
        for (size_t v = 0; v < rows_; v++) out->score[v] = zero_[v] ? 0.0f : out->score[v] - ref;
    } else {
        for (size_t v = 0; v < rows_; v++) {
            if (zero_[v]) out->score[v] = 0.0f;  // exactly 0 already; kept explicit
        }
    }
    return out;
}

std::shared_ptr<const BiasScores> VocabMatrixData::scoresFor(const float * user, BiasReference reference, KernelImpl impl) {
    std::promise<std::shared_ptr<const BiasScores>> mine;
    std::list<Pending>::iterator entry;
    {
        std::unique_lock<std::mutex> lock(cache_mutex_);
        if (auto hit = findCached(user, reference)) return hit;
        for (const Pending & p : pending_) {
            if (p.reference != reference || !sameUser(p.user, user)) continue;
            std::shared_future<std::shared_ptr<const BiasScores>> theirs = p.result;
            lock.unlock();
            return theirs.get();  // the computation already running: its scores, or its exception
        }
        entry = pending_.insert(pending_.end(), Pending{std::vector<float>(user, user + dims_), reference, mine.get_future().share(), false});
    }
    std::shared_ptr<const BiasScores> out;
    try {
        out = computeScores(user, reference, impl);
        computations_.fetch_add(1, std::memory_order_relaxed);
    } catch (...) {
        {
            std::lock_guard<std::mutex> lock(cache_mutex_);
            pending_.erase(entry);
        }
        mine.set_exception(std::current_exception());
        throw;
    }
    {
        std::lock_guard<std::mutex> lock(cache_mutex_);
        // A user forgotten while its scores were being computed stays forgotten: the requests
        // that asked get the scores, the cache does not keep them.
        if (!entry->forgotten) {
            scores_.push_front(ScoreEntry{std::move(entry->user), reference, out});
            while (scores_.size() > cacheEntries()) scores_.pop_back();
        }
        pending_.erase(entry);
    }
    mine.set_value(out);
    return out;
}

size_t VocabMatrixData::forget(const float * user) {
    std::lock_guard<std::mutex> lock(cache_mutex_);
    const size_t before = scores_.size();
    scores_.remove_if([&](const ScoreEntry & e) { return sameUser(e.user, user); });
    for (Pending & p : pending_) {
        if (sameUser(p.user, user)) p.forgotten = true;
    }
    return before - scores_.size();
}

}  // namespace persona
