#include "LlamaLog.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>

#include "llama.h"

namespace persona {
namespace {

thread_local std::string t_errors;
int g_print_level = -1;

int levelFromEnv() {
    const char * v = std::getenv("PERSONA_GEN_LOG");
    if (!v) return GGML_LOG_LEVEL_NONE;
    if (std::strcmp(v, "debug") == 0) return GGML_LOG_LEVEL_DEBUG;
    if (std::strcmp(v, "info") == 0) return GGML_LOG_LEVEL_INFO;
    if (std::strcmp(v, "warn") == 0) return GGML_LOG_LEVEL_WARN;
    if (std::strcmp(v, "error") == 0) return GGML_LOG_LEVEL_ERROR;
    return GGML_LOG_LEVEL_NONE;
}

void onLog(ggml_log_level level, const char * text, void * /*user*/) {
    if (level == GGML_LOG_LEVEL_ERROR || level == GGML_LOG_LEVEL_WARN) {
        if (t_errors.size() < 4096) t_errors += text;
    }
    if (g_print_level != GGML_LOG_LEVEL_NONE && level != GGML_LOG_LEVEL_CONT && level >= g_print_level) {
        std::fputs(text, stderr);
    }
}

}  // namespace

void LlamaLog::install() {
    static std::once_flag once;
    std::call_once(once, [] {
        g_print_level = levelFromEnv();
        llama_log_set(onLog, nullptr);
    });
}

void LlamaLog::clearThreadErrors() { t_errors.clear(); }

std::string LlamaLog::threadErrors() {
    std::string out = t_errors;
    while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
    for (auto & ch : out) {
        if (ch == '\n') ch = ';';
    }
    return out;
}

}  // namespace persona
