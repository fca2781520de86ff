// Quantizes a GGUF model with llama.cpp's public llama_model_quantize, off the JavaScript
// thread. The output is written to `<out>.tmp` and renamed when llama.cpp reports success,
// so a cache never holds a half-written model.
#pragma once

#include <napi.h>

#include <string>

#include "PromiseWorker.h"
#include "llama.h"

namespace persona {

struct QuantizeParams {
    std::string input;
    std::string output;
    llama_ftype ftype = LLAMA_FTYPE_MOSTLY_Q8_0;
    int32_t threads = 0;  // 0: llama.cpp picks (hardware concurrency)
};

class QuantizeWorker : public PromiseWorker {
  public:
    QuantizeWorker(Napi::Env env, QuantizeParams params);

    // The llama_ftype for a type name ("q4_k_m", "q8_0", ...), or false when there is none.
    static bool ftypeFromName(const std::string & name, llama_ftype & out);
    // The names ftypeFromName accepts, comma-separated.
    static std::string ftypeNames();

  protected:
    void work() override;
    Napi::Value result(Napi::Env env) override;

  private:
    QuantizeParams params_;
    double ms_ = 0.0;
    double bytes_ = 0.0;
};

}  // namespace persona
