// Routes llama.cpp's and ggml's log lines: silent by default (PERSONA_GEN_LOG=debug|info|warn
// prints them on stderr), and the last error lines of each thread are kept so that a failed
// call can say why in its JavaScript error.
#pragma once

#include <string>

namespace persona {

class LlamaLog {
  public:
    // Installs the callback once per process.
    static void install();
    // Forgets this thread's captured error lines (call before a llama.cpp call).
    static void clearThreadErrors();
    // The error and warning lines llama.cpp logged on this thread since the last clear.
    static std::string threadErrors();
};

}  // namespace persona
