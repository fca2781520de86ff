#include "AddonVocabMatrix.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "AddonState.h"
#include "NapiArgs.h"
#include "PromiseWorker.h"

namespace persona {
namespace {

// Normalizes (and optionally centers) the rows off the JavaScript thread.
class BuildMatrixWorker : public PromiseWorker {
  public:
    BuildMatrixWorker(Napi::Env env, std::vector<float> data, size_t rows, size_t dims, bool center, RowType type)
        : PromiseWorker(env, "persona-gen:vocabMatrix", "building the vocabulary matrix"),
          input_(std::move(data)),
          rows_(rows),
          dims_(dims),
          center_(center),
          type_(type) {}

  protected:
    void work() override { result_ = std::make_shared<VocabMatrixData>(std::move(input_), rows_, dims_, center_, type_); }
    Napi::Value result(Napi::Env env) override { return AddonVocabMatrix::NewInstance(env, result_); }
    std::string errorMessage(const std::string & message) const override {
        return "could not build the vocabulary matrix: " + message;
    }

  private:
    std::vector<float> input_;
    size_t rows_, dims_;
    bool center_;
    RowType type_;
    std::shared_ptr<VocabMatrixData> result_;
};

}  // namespace

Napi::Function AddonVocabMatrix::Init(Napi::Env env) {
    return DefineClass(env, "AddonVocabMatrix",
                       {
                           InstanceAccessor<&AddonVocabMatrix::Rows>("rows"),
                           InstanceAccessor<&AddonVocabMatrix::Dims>("dims"),
                           InstanceAccessor<&AddonVocabMatrix::Dtype>("dtype"),
                           InstanceAccessor<&AddonVocabMatrix::ZeroRows>("zeroRows"),
                           InstanceAccessor<&AddonVocabMatrix::ByteSize>("byteSize"),
                           InstanceMethod<&AddonVocabMatrix::ToArray>("toArray"),
                           InstanceMethod<&AddonVocabMatrix::Dots>("dots"),
                           InstanceMethod<&AddonVocabMatrix::BiasScores>("biasScores"),
                           InstanceMethod<&AddonVocabMatrix::ForgetUser>("forgetUser"),
                           InstanceMethod<&AddonVocabMatrix::Dispose>("dispose"),
                           StaticMethod<&AddonVocabMatrix::Create>("create"),
                       });
}

Napi::Value AddonVocabMatrix::Create(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    Napi::Float32Array data = float32Arg(info, 0, "data");
    if (info.Length() < 3 || !info[1].IsNumber() || !info[2].IsNumber()) {
        throwType(env, "rows and dims must be numbers");
    }
    const auto rows = static_cast<size_t>(intArg(info, 1, "rows", 1, 16'000'000));
    const auto dims = static_cast<size_t>(intArg(info, 2, "dims", 1, 65536));
    if (data.ElementLength() != rows * dims) {
        throwRange(env, "data has " + std::to_string(data.ElementLength()) + " values, expected rows * dims = " +
                            std::to_string(rows) + " * " + std::to_string(dims) + " = " + std::to_string(rows * dims));
    }
    requireFinite(env, data.Data(), data.ElementLength(), "data");
    Napi::Object opts = optionsArg(info, 3);
    const bool center = boolOption(opts, "center", false);
    RowType type = RowType::F32;
    if (hasOption(opts, "dtype")) {
        const Napi::Value v = opts.Get("dtype");
        const std::string s = v.IsString() ? v.As<Napi::String>().Utf8Value() : "";
        if (s == "f16") type = RowType::F16;
        else if (s != "f32") throwType(env, "options.dtype must be 'f32' or 'f16'");
    }
    std::vector<float> copy(data.Data(), data.Data() + data.ElementLength());
    return (new BuildMatrixWorker(env, std::move(copy), rows, dims, center, type))->start();
}

Napi::Object AddonVocabMatrix::NewInstance(Napi::Env env, std::shared_ptr<VocabMatrixData> data) {
    auto * holder = new std::shared_ptr<VocabMatrixData>(std::move(data));
    Napi::External<std::shared_ptr<VocabMatrixData>> ext = Napi::External<std::shared_ptr<VocabMatrixData>>::New(
        env, holder, [](Napi::Env, std::shared_ptr<VocabMatrixData> * p) { delete p; });
    return AddonState::get(env).matrix_ctor.New({ext});
}

AddonVocabMatrix::AddonVocabMatrix(const Napi::CallbackInfo & info) : Napi::ObjectWrap<AddonVocabMatrix>(info) {
    if (info.Length() < 1 || !info[0].IsExternal()) {
        throwType(info.Env(), "VocabMatrix cannot be constructed directly: use VocabMatrix.fromArray()");
    }
    data_ = *info[0].As<Napi::External<std::shared_ptr<VocabMatrixData>>>().Data();
    reported_bytes_ = static_cast<int64_t>(data_->byteSize());
    Napi::MemoryManagement::AdjustExternalMemory(info.Env(), reported_bytes_);
}

AddonVocabMatrix::~AddonVocabMatrix() { release(); }

void AddonVocabMatrix::release() {
    if (!data_) return;
    data_.reset();
    if (reported_bytes_ != 0) {
        Napi::MemoryManagement::AdjustExternalMemory(Env(), -reported_bytes_);
        reported_bytes_ = 0;
    }
}

const std::shared_ptr<VocabMatrixData> & AddonVocabMatrix::data(Napi::Env env) const {
    if (!data_) throw Napi::Error::New(env, "this VocabMatrix has been disposed");
    return data_;
}

std::shared_ptr<VocabMatrixData> AddonVocabMatrix::FromValue(Napi::Env env, const Napi::Value & value, const char * what) {
    if (!value.IsObject() || !value.As<Napi::Object>().InstanceOf(AddonState::get(env).matrix_ctor.Value())) {
        throwType(env, std::string(what) + " must be a VocabMatrix");
    }
    AddonVocabMatrix * m = ObjectWrap<AddonVocabMatrix>::Unwrap(value.As<Napi::Object>());
    return m->data(env);
}

Napi::Value AddonVocabMatrix::Rows(const Napi::CallbackInfo & info) {
    return Napi::Number::New(info.Env(), static_cast<double>(data(info.Env())->rows()));
}
Napi::Value AddonVocabMatrix::Dims(const Napi::CallbackInfo & info) {
    return Napi::Number::New(info.Env(), static_cast<double>(data(info.Env())->dims()));
}
Napi::Value AddonVocabMatrix::Dtype(const Napi::CallbackInfo & info) {
    return Napi::String::New(info.Env(), data(info.Env())->type() == RowType::F32 ? "f32" : "f16");
}
Napi::Value AddonVocabMatrix::ZeroRows(const Napi::CallbackInfo & info) {
    return Napi::Number::New(info.Env(), static_cast<double>(data(info.Env())->zeroRows()));
}
Napi::Value AddonVocabMatrix::ByteSize(const Napi::CallbackInfo & info) {
    return Napi::Number::New(info.Env(), static_cast<double>(data(info.Env())->byteSize()));
}

Napi::Value AddonVocabMatrix::ToArray(const Napi::CallbackInfo & info) {
    const auto & d = data(info.Env());
    Napi::Float32Array out = Napi::Float32Array::New(info.Env(), d->rows() * d->dims());
    for (size_t v = 0; v < d->rows(); v++) d->copyRow(v, out.Data() + v * d->dims());
    return out;
}

// Argument 0 as a user vector of the matrix: a Float32Array of dims() finite values.
Napi::Float32Array AddonVocabMatrix::userArg(const Napi::CallbackInfo & info, const VocabMatrixData & d) {
    Napi::Env env = info.Env();
    Napi::Float32Array user = float32Arg(info, 0, "user");
    if (user.ElementLength() != d.dims()) {
        throwRange(env, "user has " + std::to_string(user.ElementLength()) + " values, the matrix has " +
                            std::to_string(d.dims()) + " dims");
    }
    requireFinite(env, user.Data(), user.ElementLength(), "user");
    return user;
}

// dots(user: Float32Array, impl?: 'auto' | 'scalar' | 'simd') => Float32Array of dot(E_v, user)
Napi::Value AddonVocabMatrix::Dots(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    const auto & d = data(env);
    Napi::Float32Array user = userArg(info, *d);
    KernelImpl impl = KernelImpl::Auto;
    if (info.Length() > 1 && info[1].IsString()) {
        const std::string s = info[1].As<Napi::String>().Utf8Value();
        if (s == "scalar") impl = KernelImpl::Scalar;
        else if (s == "simd") impl = KernelImpl::Simd;
        else if (s == "avx2" || s == "avx512" || s == "neon") {
            if (("," + simdPaths() + ",").find("," + s + ",") == std::string::npos) {
                throwRange(env, "this CPU cannot run the " + s + " path (it has: " + simdPaths() + ")");
            }
            impl = s == "avx2" ? KernelImpl::Avx2 : s == "avx512" ? KernelImpl::Avx512 : KernelImpl::Neon;
        } else if (s != "auto") {
            throwType(env, "impl must be 'auto', 'scalar', 'simd', 'avx2', 'avx512' or 'neon'");
        }
    }
    Napi::Float32Array out = Napi::Float32Array::New(env, d->rows());
    d->computeDots(user.Data(), out.Data(), impl);
    return out;
}

// biasScores(user: Float32Array, reference: 'neutral' | 'raw') => { scores: Float32Array, reference: number }:
// the per-token score the bias sampler multiplies by beta (VocabMatrixData::scoresFor).
Napi::Value AddonVocabMatrix::BiasScores(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    const auto & d = data(env);
    Napi::Float32Array user = userArg(info, *d);
    const std::string r = info.Length() > 1 && info[1].IsString() ? info[1].As<Napi::String>().Utf8Value() : "";
    if (r != "neutral" && r != "raw") throwType(env, "reference must be 'neutral' or 'raw'");
    auto s = d->scoresFor(user.Data(), r == "raw" ? BiasReference::Raw : BiasReference::Neutral);
    Napi::Float32Array out = Napi::Float32Array::New(env, s->score.size());
    std::copy(s->score.begin(), s->score.end(), out.Data());
    Napi::Object o = Napi::Object::New(env);
    o.Set("scores", out);
    o.Set("reference", Napi::Number::New(env, s->reference));
    return o;
}

// forgetUser(user: Float32Array) => number of cache entries dropped
Napi::Value AddonVocabMatrix::ForgetUser(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    const auto & d = data(env);
    Napi::Float32Array user = userArg(info, *d);
    return Napi::Number::New(env, static_cast<double>(d->forget(user.Data())));
}

Napi::Value AddonVocabMatrix::Dispose(const Napi::CallbackInfo & info) {
    release();
    return info.Env().Undefined();
}

}  // namespace persona
