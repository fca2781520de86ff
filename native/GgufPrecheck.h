// Validates a GGUF file before llama.cpp sees it. llama.cpp's own reader rejects most broken
// files with an error, but its model loader, vocabulary and graph code still stop the whole
// process (GGML_ASSERT / GGML_ABORT / an uncaught exception) on some well-formed files whose
// metadata does not describe a usable model. This pre-parse reads the header, every KV pair and
// every tensor info with strict bounds (no allocation larger than what the file can hold), and
// checks the facts those abort paths rely on. Each was found by the fuzz tests
// (test/fuzz/gguf-loader.test.ts); their inputs are kept in test/fuzz/regressions.ts.
//
// It is also the one place that opens a GGUF file's metadata (checkGgufFile, openGgufMetadata):
// the model loader, the token-embedding reader and the dev tools all go through it.
#pragma once

#include <string>

#include "Handles.h"

namespace persona {

// Checks that `path` names a readable regular file that starts with the GGUF magic, is long
// enough to hold a GGUF header, and passes precheckGguf; throws std::runtime_error saying what is wrong.
void checkGgufFile(const std::string & path);

// A GGUF file's metadata, read through llama.cpp's GGUF API after checkGgufFile: the KV pairs
// and tensor infos (`gguf`), and with tensor descriptions the ggml context that holds them (`meta`).
struct GgufMetadata {
    GgufPtr gguf;
    GgmlPtr meta;  // null unless asked for
};

// Opens the metadata of `path` (never the tensor data); throws std::runtime_error naming the file.
GgufMetadata openGgufMetadata(const std::string & path, bool tensor_descriptions = false);

// Throws std::runtime_error naming the file, the field and what was expected when `path` is not
// a GGUF file that llama.cpp can load without aborting. Reads only the metadata (header, KV
// pairs, tensor infos), never the tensor data.
void precheckGguf(const std::string & path);

}  // namespace persona
