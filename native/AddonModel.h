// Model: a loaded GGUF model (JS class wrapper): vocabulary, chat template, token
// embedding rows, and generation.
#pragma once

#include <napi.h>

#include <memory>

#include "ModelHandle.h"

namespace persona {

class AddonModel : public Napi::ObjectWrap<AddonModel> {
  public:
    static Napi::Function Init(Napi::Env env);
    // load(path, { gpuLayers, useMmap, contextSize, batchSize, threads, parallel, sharePrompts, flashAttention }) => Promise<AddonModel>
    static Napi::Value Load(const Napi::CallbackInfo & info);
    static Napi::Object NewInstance(Napi::Env env, std::shared_ptr<ModelHandle> handle);
    // The handle of a JavaScript AddonModel; throws a TypeError naming `what` otherwise.
    static std::shared_ptr<ModelHandle> HandleOf(Napi::Env env, const Napi::Value & value, const char * what);

    explicit AddonModel(const Napi::CallbackInfo & info);
    ~AddonModel() override;

  private:
    Napi::Value Info(const Napi::CallbackInfo & info);
    Napi::Value Tokenize(const Napi::CallbackInfo & info);
    Napi::Value Detokenize(const Napi::CallbackInfo & info);
    Napi::Value TokenPieces(const Napi::CallbackInfo & info);
    Napi::Value TokenAttributes(const Napi::CallbackInfo & info);
    Napi::Value ApplyChatTemplate(const Napi::CallbackInfo & info);
    Napi::Value TokenEmbeddingRows(const Napi::CallbackInfo & info);
    Napi::Value Generate(const Napi::CallbackInfo & info);
    Napi::Value EngineStatsJs(const Napi::CallbackInfo & info);
    Napi::Value HoldEngine(const Napi::CallbackInfo & info);
    Napi::Value ReleaseEngine(const Napi::CallbackInfo & info);
    Napi::Value Dispose(const Napi::CallbackInfo & info);

    const std::shared_ptr<ModelHandle> & handle(Napi::Env env) const;
    void release();

    std::shared_ptr<ModelHandle> handle_;
    int64_t reported_bytes_ = 0;
};

}  // namespace persona
