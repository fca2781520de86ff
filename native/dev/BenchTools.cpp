#include "BenchTools.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <functional>
#include <stdexcept>
#include <thread>
#include <vector>

#include "AddonVocabMatrix.h"
#include "MemoryBench.h"
#include "NapiArgs.h"
#include "PromiseWorker.h"
#include "QuantizeWorker.h"
#include "SyntheticModelWriter.h"

namespace persona {
namespace {

// Runs `job` on a worker thread; `result` turns what it left behind into the resolved value.
class JobWorker : public PromiseWorker {
  public:
    JobWorker(Napi::Env env, const char * name, std::function<void()> job,
              std::function<Napi::Value(Napi::Env)> result)
        : PromiseWorker(env, name, name), job_(std::move(job)), result_(std::move(result)) {}

  protected:
    void work() override { job_(); }
    Napi::Value result(Napi::Env env) override { return result_(env); }

  private:
    std::function<void()> job_;
    std::function<Napi::Value(Napi::Env)> result_;
};

Napi::Promise queue(JobWorker * worker) { return worker->start(); }

Napi::Float64Array toFloat64Array(Napi::Env env, const std::vector<double> & v) {
    Napi::Float64Array out = Napi::Float64Array::New(env, v.size());
    for (size_t i = 0; i < v.size(); i++) out[i] = v[i];
    return out;
}

std::string requiredString(const Napi::Object & o, const char * key) {
    if (!hasOption(o, key) || !o.Get(key).IsString()) throwType(o.Env(), std::string("spec.") + key + " must be a string");
    return o.Get(key).As<Napi::String>().Utf8Value();
}

// A number field of the spec: finite, within [min, max], an integer when asked; `fallback`
// when absent, or a TypeError when it is required.
double specNumber(const Napi::Object & o, const char * key, double min, double max, bool integer, bool required,
                  double fallback = 0.0) {
    Napi::Env env = o.Env();
    if (!hasOption(o, key)) {
        if (required) throwType(env, std::string("spec.") + key + " must be a number");
        return fallback;
    }
    const Napi::Value v = o.Get(key);
    if (!v.IsNumber()) throwType(env, std::string("spec.") + key + " must be a number");
    const double d = v.As<Napi::Number>().DoubleValue();
    if (!std::isfinite(d) || d < min || d > max || (integer && std::floor(d) != d)) {
        throwRange(env, std::string("spec.") + key + " must be " + (integer ? "an integer" : "a number") + " between " +
                            std::to_string(min) + " and " + std::to_string(max) + ", got " + std::to_string(d));
    }
    return d;
}

uint32_t requiredUint(const Napi::Object & o, const char * key, uint32_t min, uint32_t max) {
    return static_cast<uint32_t>(specNumber(o, key, min, max, true, true));
}

}  // namespace

Napi::Object BenchTools::Init(Napi::Env env) {
    Napi::Object o = Napi::Object::New(env);
    o.Set("writeSyntheticModel", Napi::Function::New(env, WriteSyntheticModel, "writeSyntheticModel"));
    o.Set("quantizeModel", Napi::Function::New(env, QuantizeModel, "quantizeModel"));
    o.Set("memoryCopy", Napi::Function::New(env, MemoryCopy, "memoryCopy"));
    o.Set("kernelPasses", Napi::Function::New(env, KernelPasses, "kernelPasses"));
    return o;
}

Napi::Value BenchTools::WriteSyntheticModel(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    if (info.Length() < 1 || !info[0].IsObject()) throwType(env, "spec must be an object");
    Napi::Object o = info[0].As<Napi::Object>();
    SyntheticModelSpec spec;
    spec.arch = requiredString(o, "arch");
    spec.vocab_path = requiredString(o, "vocabPath");
    spec.out_path = requiredString(o, "outPath");
    if (hasOption(o, "name")) spec.name = requiredString(o, "name");
    spec.n_layer = requiredUint(o, "layers", 1, 512);
    spec.n_embd = requiredUint(o, "embd", 8, 65536);
    spec.n_head = requiredUint(o, "heads", 1, 1024);
    spec.n_head_kv = requiredUint(o, "kvHeads", 1, 1024);
    spec.n_ff = requiredUint(o, "ffn", 1, 1 << 20);
    spec.n_ctx_train = requiredUint(o, "contextLength", 16, 1 << 24);
    spec.rope_freq_base = static_cast<float>(specNumber(o, "ropeFreqBase", 1.0, 1e9, false, false, 10000.0));
    spec.rms_eps = static_cast<float>(specNumber(o, "rmsEps", 1e-12, 0.1, false, false, 1e-6));
    spec.seed = static_cast<uint64_t>(specNumber(o, "seed", 0, 9007199254740991.0, true, false, 1));
    spec.weight_std = static_cast<float>(specNumber(o, "weightStd", 1e-6, 1.0, false, false, 0.02));
    try {
        SyntheticModelWriter::validate(spec);
    } catch (const std::invalid_argument & e) {
        throwRange(env, e.what());
    }
    auto summary = std::make_shared<SyntheticModelSummary>();
    auto ms = std::make_shared<double>(0.0);
    auto * worker = new JobWorker(
        env, "persona-gen:writeSyntheticModel",
        [spec, summary, ms] {
            const auto t0 = std::chrono::steady_clock::now();
            *summary = SyntheticModelWriter::write(spec);
            *ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
        },
        [summary, ms](Napi::Env e) -> Napi::Value {
            Napi::Object r = Napi::Object::New(e);
            r.Set("fileBytes", static_cast<double>(summary->file_bytes));
            r.Set("parameters", static_cast<double>(summary->parameters));
            r.Set("vocabSize", summary->n_vocab);
            r.Set("zeroRows", summary->zero_rows);
            r.Set("tensors", summary->tensors);
            r.Set("ms", *ms);
            return r;
        });
    return queue(worker);
}

Napi::Value BenchTools::QuantizeModel(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    QuantizeParams p;
    p.input = stringArg(info, 0, "input");
    p.output = stringArg(info, 1, "output");
    const std::string type = stringArg(info, 2, "type");
    for (const std::string * s : {&p.input, &p.output}) {
        if (s->empty() || s->find('\0') != std::string::npos) {
            throwType(env, "input and output must be non-empty paths without NUL characters");
        }
    }
    if (p.input == p.output) throwRange(env, "output must differ from input");
    if (!QuantizeWorker::ftypeFromName(type, p.ftype)) {
        throwRange(env, "type must be one of " + QuantizeWorker::ftypeNames() + ", got '" + type + "'");
    }
    Napi::Object opts = optionsArg(info, 3);
    p.threads = intOption(opts, "threads", 0, 0, 1024);
    return (new QuantizeWorker(env, p))->start();
}

Napi::Value BenchTools::MemoryCopy(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    Napi::Object opts = optionsArg(info, 0);
    const double bytes = numberOption(opts, "bytes", 1 << 30, 4096, 8.0 * (1ull << 30), true);
    const int reps = intOption(opts, "reps", 5, 1, 1000);
    const int hw = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    const int threads = intOption(opts, "threads", 1, 1, std::max(hw, 1) * 4);
    auto ms = std::make_shared<std::vector<double>>();
    auto * worker = new JobWorker(
        env, "persona-gen:memoryCopy",
        [ms, bytes, reps, threads] { *ms = MemoryBench::copyMs(static_cast<size_t>(bytes), reps, threads); },
        [ms](Napi::Env e) -> Napi::Value { return toFloat64Array(e, *ms); });
    return queue(worker);
}

Napi::Value BenchTools::KernelPasses(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    std::shared_ptr<VocabMatrixData> matrix = AddonVocabMatrix::FromValue(env, info[0], "matrix");
    Napi::Float32Array user = float32Arg(info, 1, "user");
    if (user.ElementLength() != matrix->dims()) {
        throwRange(env, "user has " + std::to_string(user.ElementLength()) + " values, the matrix has " +
                            std::to_string(matrix->dims()) + " dims");
    }
    requireFinite(env, user.Data(), user.ElementLength(), "user");
    const std::string impl_name = stringArg(info, 2, "impl");
    KernelImpl impl;
    if (impl_name == "scalar") impl = KernelImpl::Scalar;
    else if (impl_name == "simd" || impl_name == "auto") impl = KernelImpl::Simd;
    else if (impl_name == "avx2" || impl_name == "avx512" || impl_name == "neon") {
        if (("," + simdPaths() + ",").find("," + impl_name + ",") == std::string::npos) {
            throwRange(env, "this CPU cannot run the " + impl_name + " path (it has: " + simdPaths() + ")");
        }
        impl = impl_name == "avx2" ? KernelImpl::Avx2 : impl_name == "avx512" ? KernelImpl::Avx512 : KernelImpl::Neon;
    } else {
        throwType(env, "impl must be 'auto', 'simd', 'scalar', 'avx2', 'avx512' or 'neon'");
    }
    const int reps = static_cast<int>(intArg(info, 3, "reps", 1, 10000));
    std::vector<float> u(user.Data(), user.Data() + user.ElementLength());
    auto ms = std::make_shared<std::vector<double>>();
    auto * worker = new JobWorker(
        env, "persona-gen:kernelPasses",
        [matrix, u, impl, reps, ms] { *ms = MemoryBench::dotPassMs(*matrix, u.data(), impl, reps); },
        [ms](Napi::Env e) -> Napi::Value { return toFloat64Array(e, *ms); });
    return queue(worker);
}

}  // namespace persona
