// VocabMatrix: a V x d matrix of L2-normalized rows in native memory (JS class wrapper).
#pragma once

#include <napi.h>

#include <memory>

#include "VocabMatrixData.h"

namespace persona {

class AddonVocabMatrix : public Napi::ObjectWrap<AddonVocabMatrix> {
  public:
    static Napi::Function Init(Napi::Env env);
    // create(data: Float32Array, rows, dims, { center, dtype }) => Promise<AddonVocabMatrix>
    static Napi::Value Create(const Napi::CallbackInfo & info);
    static Napi::Object NewInstance(Napi::Env env, std::shared_ptr<VocabMatrixData> data);
    // The matrix behind a JS value, or a TypeError naming `what`.
    static std::shared_ptr<VocabMatrixData> FromValue(Napi::Env env, const Napi::Value & value, const char * what);

    explicit AddonVocabMatrix(const Napi::CallbackInfo & info);
    ~AddonVocabMatrix() override;

  private:
    Napi::Value Rows(const Napi::CallbackInfo & info);
    Napi::Value Dims(const Napi::CallbackInfo & info);
    Napi::Value Dtype(const Napi::CallbackInfo & info);
    Napi::Value ZeroRows(const Napi::CallbackInfo & info);
    Napi::Value ByteSize(const Napi::CallbackInfo & info);
    Napi::Value ToArray(const Napi::CallbackInfo & info);
    Napi::Value Dots(const Napi::CallbackInfo & info);
    Napi::Value BiasScores(const Napi::CallbackInfo & info);
    static Napi::Float32Array userArg(const Napi::CallbackInfo & info, const VocabMatrixData & d);
    Napi::Value ForgetUser(const Napi::CallbackInfo & info);
    Napi::Value Dispose(const Napi::CallbackInfo & info);

    const std::shared_ptr<VocabMatrixData> & data(Napi::Env env) const;
    void release();

    std::shared_ptr<VocabMatrixData> data_;
    int64_t reported_bytes_ = 0;
};

}  // namespace persona
