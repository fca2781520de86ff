// Validates a GGUF file before llama.cpp sees it. llama.cpp's own reader rejects most broken
// files with an error, but its model loader, vocabulary and graph code still stop the whole
// process (GGML_ASSERT / GGML_ABORT / an uncaught exception) on some well-formed files whose
// metadata does not describe a usable model. This pre-parse reads the header, every KV pair and
// every tensor info with strict bounds (no allocation larger than what the file can hold), and
// checks the facts those abort paths rely on. Each was found by the fuzz tests
// (test/fuzz/gguf-loader.test.ts); their inputs are kept in test/fuzz/regressions.ts.
#pragma once

#include <string>

namespace persona {

// Throws std::runtime_error naming the file, the field and what was expected when `path` is not
// a GGUF file that llama.cpp can load without aborting. Reads only the metadata (header, KV
// pairs, tensor infos), never the tensor data.
void precheckGguf(const std::string & path);

}  // namespace persona
