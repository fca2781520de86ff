#include "GgufPrecheck.h"

#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <memory>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "Handles.h"
#include "Portability.h"
#include "ggml.h"

namespace persona {
namespace {

// GGUF value types (gguf.h), repeated here so the checks read on their own.
enum : uint32_t {
    T_U8 = 0, T_I8 = 1, T_U16 = 2, T_I16 = 3, T_U32 = 4, T_I32 = 5, T_F32 = 6, T_BOOL = 7,
    T_STRING = 8, T_ARRAY = 9, T_U64 = 10, T_I64 = 11, T_F64 = 12,
};

// llama.cpp's limits and conventions that the checks rely on.
constexpr int64_t kMaxLayers = 512;          // LLAMA_MAX_LAYERS
constexpr int64_t kMaxExperts = 1024;        // LLAMA_MAX_EXPERTS
constexpr uint64_t kTensorAlignment = 32;    // ggml-backend's TENSOR_ALIGNMENT (mmap'd tensors)
constexpr size_t kMaxName = GGML_MAX_NAME;   // tensor names are < 64 bytes
constexpr int32_t kTokenTypeByte = 6;        // LLAMA_TOKEN_TYPE_BYTE
constexpr uint64_t kMaxKeyLength = 1u << 16;

size_t scalarSize(uint32_t t) {
    switch (t) {
        case T_U8: case T_I8: case T_BOOL: return 1;
        case T_U16: case T_I16: return 2;
        case T_U32: case T_I32: case T_F32: return 4;
        case T_U64: case T_I64: case T_F64: return 8;
        default: return 0;
    }
}

bool isInteger(uint32_t t) {
    return t == T_U8 || t == T_I8 || t == T_U16 || t == T_I16 || t == T_U32 || t == T_I32 || t == T_U64 || t == T_I64;
}

const char * typeName(uint32_t t) {
    static const char * names[] = {"u8", "i8", "u16", "i16", "u32", "i32", "f32", "bool", "string", "array", "u64", "i64", "f64"};
    return t <= T_F64 ? names[t] : "?";
}


// One KV pair, with what the checks need of its value.
struct Kv {
    uint32_t type = 0;        // element type for arrays
    bool is_array = false;
    uint64_t n = 1;           // elements
    int64_t i = 0;            // integer scalars (u64 above INT64_MAX saturates)
    double f = 0.0;           // float scalars
    std::string s;            // string scalars
    std::vector<int64_t> ints;         // integer arrays (up to kKeepInts elements)
    std::vector<std::string> strings;  // tokenizer.ggml.tokens only
};

constexpr uint64_t kKeepInts = 1u << 22;

// Reads the file front to back with every length checked against what is left.
class Reader {
  public:
    Reader(const std::string & path, FILE * f, uint64_t size) : path_(path), f_(f), size_(size) {}

    uint64_t pos() const { return pos_; }
    uint64_t left() const { return size_ - pos_; }

    [[noreturn]] void fail(const std::string & what) const {
        throw std::runtime_error("invalid GGUF file " + path_ + ": " + what);
    }

    void need(uint64_t n, const char * what) const {
        if (n > left()) {
            fail(std::string(what) + " needs " + std::to_string(n) + " bytes at offset " + std::to_string(pos_) +
                 ", but the file has only " + std::to_string(left()) + " left (truncated file?)");
        }
    }

    void bytes(void * dst, uint64_t n, const char * what) {
        need(n, what);
        if (n > 0 && std::fread(dst, 1, static_cast<size_t>(n), f_) != n) fail(std::string("read error in ") + what);
        pos_ += n;
    }

    void skip(uint64_t n, const char * what) {
        need(n, what);
        if (n <= sizeof scratch_) {
            bytes(scratch_, n, what);  // short skips stay within the stdio buffer
            return;
        }
        if (port::seekFile(f_, pos_ + n) != 0) fail(std::string("seek error in ") + what);
        pos_ += n;
    }

    uint32_t u32(const char * what) {
        uint32_t v = 0;
        bytes(&v, 4, what);
        return v;
    }
    uint64_t u64(const char * what) {
        uint64_t v = 0;
        bytes(&v, 8, what);
        return v;
    }

    std::string str(const char * what, uint64_t max_len = std::numeric_limits<uint64_t>::max()) {
        const uint64_t n = u64(what);
        if (n > max_len) fail(std::string(what) + " declares a length of " + std::to_string(n) + " bytes (at most " + std::to_string(max_len) + " allowed)");
        need(n, what);
        std::string s(static_cast<size_t>(n), '\0');
        bytes(s.data(), n, what);
        return s;
    }

    void skipStr(const char * what) { skip(u64(what), what); }

    // An integer or float scalar of GGUF type t.
    void scalar(uint32_t t, Kv & kv, const char * what) {
        unsigned char b[8] = {0};
        const size_t n = scalarSize(t);
        bytes(b, n, what);
        switch (t) {
            case T_U8: kv.i = b[0]; break;
            case T_I8: kv.i = static_cast<int8_t>(b[0]); break;
            case T_BOOL: kv.i = b[0] != 0; break;
            case T_U16: { uint16_t v; std::memcpy(&v, b, 2); kv.i = v; break; }
            case T_I16: { int16_t v; std::memcpy(&v, b, 2); kv.i = v; break; }
            case T_U32: { uint32_t v; std::memcpy(&v, b, 4); kv.i = v; break; }
            case T_I32: { int32_t v; std::memcpy(&v, b, 4); kv.i = v; break; }
            case T_F32: { float v; std::memcpy(&v, b, 4); kv.f = v; break; }
            case T_U64: {
                uint64_t v; std::memcpy(&v, b, 8);
                kv.i = v > static_cast<uint64_t>(INT64_MAX) ? INT64_MAX : static_cast<int64_t>(v);
                break;
            }
            case T_I64: { int64_t v; std::memcpy(&v, b, 8); kv.i = v; break; }
            case T_F64: { double v; std::memcpy(&v, b, 8); kv.f = v; break; }
            default: break;
        }
    }

  private:
    const std::string & path_;
    FILE * f_;
    uint64_t size_;
    uint64_t pos_ = 0;
    char scratch_[4096];
};

struct Tensor {
    std::string name;
    int64_t ne[4] = {1, 1, 1, 1};
    uint32_t n_dims = 0;
    uint32_t type = 0;
    uint64_t offset = 0;
    uint64_t nbytes = 0;
};

struct Parsed {
    std::unordered_map<std::string, Kv> kv;
    std::vector<Tensor> tensors;
};

// The counts the header declares, each checked against what the file can hold.
struct Header {
    uint64_t n_tensors = 0;
    uint64_t n_kv = 0;
};

Header readHeader(Reader & r) {
    char magic[4];
    r.bytes(magic, 4, "the magic");
    if (std::memcmp(magic, "GGUF", 4) != 0) r.fail("the first bytes are not 'GGUF'");
    const uint32_t version = r.u32("the version");
    if (version != 2 && version != 3) {
        r.fail("version " + std::to_string(version) + " is not supported (expected 2 or 3; a big-endian file or GGUFv1?)");
    }
    Header h;
    h.n_tensors = r.u64("the tensor count");
    h.n_kv = r.u64("the KV count");
    // The smallest KV pair is 8 (key length) + 1 (key) + 4 (type) + 1 (value) bytes; the smallest
    // tensor info is 8 (name length) + 1 + 4 (n_dims) + 4 (type) + 8 (offset).
    if (h.n_kv > r.left() / 14) r.fail("the header declares " + std::to_string(h.n_kv) + " KV pairs, more than the file can hold");
    if (h.n_tensors > r.left() / 25) r.fail("the header declares " + std::to_string(h.n_tensors) + " tensors, more than the file can hold");
    return h;
}

// The elements of an array value (after its element type and length): kept for the token
// texts and for integer arrays up to kKeepInts elements, skipped otherwise.
void readArrayElements(Reader & r, const std::string & key, const std::string & wk, Kv & kv) {
    const bool keep_strings = key == "tokenizer.ggml.tokens" && kv.type == T_STRING;
    if (keep_strings) kv.strings.reserve(static_cast<size_t>(kv.n));
    const bool keep_ints = isInteger(kv.type) && kv.n <= kKeepInts;
    if (keep_ints) kv.ints.reserve(static_cast<size_t>(kv.n));
    for (uint64_t e = 0; e < kv.n; e++) {
        if (kv.type == T_STRING) {
            if (keep_strings) kv.strings.push_back(r.str((wk + " element").c_str()));
            else r.skipStr((wk + " element").c_str());
        } else if (keep_ints) {
            Kv tmp;
            r.scalar(kv.type, tmp, (wk + " element").c_str());
            kv.ints.push_back(tmp.i);
        } else {
            r.skip(scalarSize(kv.type) * (kv.n - e), (wk + " elements").c_str());
            break;
        }
    }
}

// The value of the KV pair `key` (after its key): type, then a scalar, a string or an array.
Kv readValue(Reader & r, const std::string & key) {
    const std::string wk = "key '" + key + "'";
    Kv kv;
    kv.type = r.u32((wk + " type").c_str());
    if (kv.type == T_ARRAY) {
        kv.is_array = true;
        kv.type = r.u32((wk + " array element type").c_str());
        kv.n = r.u64((wk + " array length").c_str());
        if (kv.type == T_ARRAY || kv.type > T_F64) r.fail(wk + " is an array of invalid type " + std::to_string(kv.type));
        const uint64_t min_each = kv.type == T_STRING ? 8 : scalarSize(kv.type);
        if (kv.n > r.left() / min_each) {
            r.fail(wk + " declares " + std::to_string(kv.n) + " elements of " + typeName(kv.type) + ", more than the file can hold");
        }
        readArrayElements(r, key, wk, kv);
    } else if (kv.type == T_STRING) {
        kv.s = r.str((wk + " value").c_str());
    } else if (scalarSize(kv.type) != 0) {
        r.scalar(kv.type, kv, (wk + " value").c_str());
    } else {
        r.fail(wk + " has invalid type " + std::to_string(kv.type));
    }
    return kv;
}

// KV pair `k`: a non-empty key without NUL bytes that no earlier pair has, then its value.
void readKv(Reader & r, uint64_t k, Parsed & p) {
    const std::string where = "KV pair " + std::to_string(k);
    std::string key = r.str((where + " key").c_str(), kMaxKeyLength);
    if (key.empty()) r.fail(where + " has an empty key");
    if (key.find('\0') != std::string::npos) r.fail(where + " key contains a NUL byte");
    if (p.kv.count(key)) r.fail("key '" + key + "' appears twice");
    Kv kv = readValue(r, key);
    p.kv.emplace(std::move(key), std::move(kv));
}

// general.alignment (a power-of-2 u32) when the file sets it, else GGUF's default of 32.
uint64_t dataAlignment(const Reader & r, const Parsed & p) {
    uint64_t alignment = 32;
    auto al = p.kv.find("general.alignment");
    if (al != p.kv.end()) {
        if (al->second.is_array || al->second.type != T_U32) r.fail("general.alignment must be a u32");
        alignment = static_cast<uint64_t>(al->second.i);
        if (alignment == 0 || (alignment & (alignment - 1)) != 0) r.fail("general.alignment " + std::to_string(alignment) + " is not a power of 2");
    }
    return alignment;
}

// Tensor info `t`: a new name, at most 4 dimensions, a known ggml type whose blocks tile the
// rows, and a size in bytes that fits in 64 bits.
Tensor readTensorInfo(Reader & r, uint64_t t, std::unordered_set<std::string> & names) {
    Tensor ti;
    const std::string where = "tensor info " + std::to_string(t);
    ti.name = r.str((where + " name").c_str(), kMaxName - 1);
    if (ti.name.empty()) r.fail(where + " has an empty name");
    if (!names.insert(ti.name).second) r.fail("tensor '" + ti.name + "' appears twice");
    const std::string wt = "tensor '" + ti.name + "'";
    ti.n_dims = r.u32((wt + " dimension count").c_str());
    if (ti.n_dims > GGML_MAX_DIMS) r.fail(wt + " has " + std::to_string(ti.n_dims) + " dimensions (at most 4)");
    int64_t elements = 1;
    for (uint32_t d = 0; d < ti.n_dims; d++) {
        const uint64_t v = r.u64((wt + " dimension").c_str());
        if (v > static_cast<uint64_t>(INT64_MAX)) r.fail(wt + " dimension " + std::to_string(d) + " is negative");
        ti.ne[d] = static_cast<int64_t>(v);
        if (ti.ne[d] != 0 && elements > INT64_MAX / ti.ne[d]) r.fail(wt + " has more elements than fit in 64 bits");
        elements *= ti.ne[d];
    }
    ti.type = r.u32((wt + " type").c_str());
    if (ti.type >= GGML_TYPE_COUNT || ggml_blck_size(static_cast<ggml_type>(ti.type)) == 0) {
        r.fail(wt + " has unknown ggml type " + std::to_string(ti.type));
    }
    const int64_t blck = ggml_blck_size(static_cast<ggml_type>(ti.type));
    const uint64_t tsize = ggml_type_size(static_cast<ggml_type>(ti.type));
    if (ti.ne[0] % blck != 0) {
        r.fail(wt + " rows of " + std::to_string(ti.ne[0]) + " values are not a whole number of " +
               ggml_type_name(static_cast<ggml_type>(ti.type)) + " blocks of " + std::to_string(blck));
    }
    const uint64_t blocks = static_cast<uint64_t>(elements / blck);
    if (tsize != 0 && blocks > std::numeric_limits<uint64_t>::max() / tsize) r.fail(wt + " is larger than 2^64 bytes");
    ti.nbytes = blocks * tsize;
    ti.offset = r.u64((wt + " data offset").c_str());
    return ti;
}

// Every tensor's data lies inside the file's data section (which starts at the first
// `alignment` boundary after the tensor infos) and starts 32-byte aligned.
void checkTensorData(const Reader & r, const Parsed & p, uint64_t alignment, uint64_t size) {
    if (p.tensors.empty()) return;
    const uint64_t info_end = r.pos();
    const uint64_t data_start = (info_end + alignment - 1) / alignment * alignment;
    if (data_start > size) r.fail("the data section starts at byte " + std::to_string(data_start) + ", past the end of the file");
    const uint64_t data_bytes = size - data_start;
    for (const Tensor & ti : p.tensors) {
        const std::string wt = "tensor '" + ti.name + "'";
        if (ti.offset > data_bytes || ti.nbytes > data_bytes - ti.offset) {
            r.fail(wt + " (" + std::to_string(ti.nbytes) + " bytes at data offset " + std::to_string(ti.offset) +
                   ") lies outside the file, whose data section has " + std::to_string(data_bytes) + " bytes (truncated file?)");
        }
        if ((data_start + ti.offset) % kTensorAlignment != 0) {
            r.fail(wt + " data starts at byte " + std::to_string(data_start + ti.offset) + ", which is not a multiple of " +
                   std::to_string(kTensorAlignment) + " (general.alignment " + std::to_string(alignment) + "; llama.cpp needs 32-byte aligned tensors)");
        }
    }
}

// Structure: the header, KV pairs and tensor infos, every size within the file.
Parsed parse(const std::string & path) {
    const port::PathInfo st = port::statPath(path);
    if (!st.exists) throw std::runtime_error("model file not found: " + path + " (" + std::strerror(st.error) + ")");
    std::unique_ptr<FILE, FileCloser> f(port::openFile(path, "rb"));
    if (!f) throw std::runtime_error("cannot open model file " + path + ": " + std::strerror(errno));
    Reader r(path, f.get(), st.size);
    const Header h = readHeader(r);
    Parsed p;
    for (uint64_t k = 0; k < h.n_kv; k++) readKv(r, k, p);
    const uint64_t alignment = dataAlignment(r, p);
    std::unordered_set<std::string> names;
    for (uint64_t t = 0; t < h.n_tensors; t++) p.tensors.push_back(readTensorInfo(r, t, names));
    checkTensorData(r, p, alignment, st.size);
    return p;
}

// The facts llama.cpp's loader asserts instead of reporting.
class Semantics {
  public:
    Semantics(const std::string & path, const Parsed & p) : path_(path), p_(p) {}

    void run() {
        const Kv * arch_kv = find("general.architecture");
        const std::string arch = arch_kv && !arch_kv->is_array && arch_kv->type == T_STRING ? arch_kv->s : "";
        if (!arch.empty()) hparams(arch);
        epsilons();
        vocabulary();
        tensors();
    }

  private:
    [[noreturn]] void fail(const std::string & what) const {
        throw std::runtime_error("GGUF file " + path_ + " cannot be loaded: " + what);
    }

    const Kv * find(const std::string & key) const {
        auto it = p_.kv.find(key);
        return it == p_.kv.end() ? nullptr : &it->second;
    }

    // An integer scalar, or nullptr when absent or of another type (llama.cpp reports those).
    const Kv * intScalar(const std::string & key) const {
        const Kv * kv = find(key);
        return kv && !kv->is_array && isInteger(kv->type) ? kv : nullptr;
    }

    // The largest value of an integer scalar or per-layer integer array; `present` says whether it was there.
    int64_t maxOf(const std::string & key, bool & present) const {
        const Kv * kv = find(key);
        present = false;
        if (!kv || !isInteger(kv->type)) return 0;
        present = true;
        if (!kv->is_array) return kv->i;
        int64_t m = 0;
        for (int64_t v : kv->ints) m = std::max(m, v);
        return m;
    }

    void hparams(const std::string & arch) const {
        int64_t n_layer = 0;
        if (const Kv * kv = intScalar(arch + ".block_count")) {
            n_layer = kv->i;
            if (n_layer < 1 || n_layer > kMaxLayers) {
                fail(arch + ".block_count is " + std::to_string(n_layer) + ", expected 1 to " + std::to_string(kMaxLayers));
            }
        }
        if (const Kv * kv = intScalar(arch + ".nextn_predict_layers")) {
            if (kv->i < 0 || (n_layer > 0 && kv->i > n_layer)) {
                fail(arch + ".nextn_predict_layers is " + std::to_string(kv->i) + ", more than block_count " + std::to_string(n_layer));
            }
        }
        // Experts: llama.cpp asserts used <= count, used > 0 when there are experts, and the group rules.
        int64_t n_expert = 0;
        if (const Kv * kv = intScalar(arch + ".expert_count")) n_expert = kv->i;
        if (n_expert < 0 || n_expert > kMaxExperts) {
            fail(arch + ".expert_count is " + std::to_string(n_expert) + ", expected 0 to " + std::to_string(kMaxExperts));
        }
        if ((arch == "hunyuan-vl" || arch == "hunyuan-dense") && n_expert <= 1) return;  // llama.cpp resets these
        bool has_used = false;
        const int64_t used = maxOf(arch + ".expert_used_count", has_used);
        int64_t groups = 0, group_used = 0;
        if (const Kv * kv = intScalar(arch + ".expert_group_count")) groups = kv->i;
        if (const Kv * kv = intScalar(arch + ".expert_group_used_count")) group_used = kv->i;
        const std::string e = arch + ".expert_count " + std::to_string(n_expert) + ", " + arch + ".expert_used_count " + std::to_string(used);
        if (used < 0 || used > n_expert) fail(e + ": more experts used than there are");
        if (n_expert > 0) {
            if (used == 0) fail(e + ": a mixture-of-experts model must use at least one expert per token");
            if (groups < 0 || groups >= n_expert) fail(e + ", expert_group_count " + std::to_string(groups) + ": expected fewer groups than experts");
            if (groups > 1 && (n_expert % groups != 0 || group_used <= 0 || group_used >= groups)) {
                fail(e + ", expert_group_count " + std::to_string(groups) + ", expert_group_used_count " + std::to_string(group_used) +
                     ": experts must split evenly into groups and 0 < groups used < groups");
            }
        } else if (groups != 0) {
            fail(arch + ".expert_group_count is " + std::to_string(groups) + " in a model without experts");
        }
        if (const Kv * kv = find(arch + ".rope.scaling.type")) {
            if (!kv->is_array && kv->type == T_STRING && kv->s != "none" && kv->s != "linear" && kv->s != "yarn" && kv->s != "longrope") {
                fail(arch + ".rope.scaling.type is '" + kv->s + "', expected none, linear, yarn or longrope");
            }
        }
    }

    // Normalization epsilons feed ggml ops that assert eps >= 0 (a NaN fails that too).
    void epsilons() const {
        for (const auto & [key, kv] : p_.kv) {
            const bool eps_key = key.size() >= 7 && key.compare(key.size() - 7, 7, "epsilon") == 0;
            if (!eps_key || kv.is_array || (kv.type != T_F32 && kv.type != T_F64)) continue;
            if (!std::isfinite(kv.f) || kv.f < 0.0) fail(key + " is " + std::to_string(kv.f) + ", expected a finite number >= 0");
        }
    }

    void vocabulary() const {
        const Kv * toks = find("tokenizer.ggml.tokens");
        if (!toks || !toks->is_array || toks->type != T_STRING) return;  // llama.cpp reports these
        const Kv * model_kv = find("tokenizer.ggml.model");
        const std::string model = model_kv && !model_kv->is_array && model_kv->type == T_STRING ? model_kv->s : "";
        // llama.cpp keeps a text -> id map and asserts it has one entry per token (empty tokens are renamed).
        std::unordered_set<std::string> seen;
        seen.reserve(toks->strings.size() * 2);
        for (size_t i = 0; i < toks->strings.size(); i++) {
            const std::string & t = toks->strings[i];
            const std::string key = t.empty() ? "[EMPTY_" + std::to_string(i) + "]" : t;
            if (!seen.insert(key).second) {
                fail("tokenizer.ggml.tokens holds the token text '" + key.substr(0, 40) + "' twice (again at id " + std::to_string(i) +
                     "); every token must be distinct");
            }
        }
        const Kv * types = find("tokenizer.ggml.token_type");
        if (!types || !types->is_array || types->type != T_I32 || types->n < toks->n) return;  // llama.cpp reports these
        bool any_byte = false;
        for (size_t i = 0; i < toks->strings.size() && i < types->ints.size(); i++) {
            if (types->ints[i] != kTokenTypeByte) continue;
            any_byte = true;
            const std::string & t = toks->strings[i];
            if (model == "bert") fail("token " + std::to_string(i) + " is a byte token, which a WordPiece (bert) vocabulary cannot have");
            const bool hex = t.size() == 6 && t.compare(0, 3, "<0x") == 0 && t[5] == '>' && std::isxdigit(static_cast<unsigned char>(t[3])) &&
                             std::isxdigit(static_cast<unsigned char>(t[4]));
            if (!hex) fail("token " + std::to_string(i) + " is a byte token but its text '" + t.substr(0, 20) + "' is not of the form <0xHH>");
        }
        // SentencePiece byte fallback: with byte tokens, every byte must have one (llama.cpp looks them up unchecked).
        if (any_byte && (model == "llama" || model == "t5")) {
            static const char * hexd = "0123456789ABCDEF";
            for (int b = 0; b < 256; b++) {
                const char buf[7] = {'<', '0', 'x', hexd[b >> 4], hexd[b & 15], '>', 0};
                if (!seen.count(buf) && !seen.count(std::string(1, static_cast<char>(b)))) {
                    fail(std::string("the vocabulary has byte tokens but none for byte ") + buf + "; a SentencePiece vocabulary needs all 256");
                }
            }
        }
    }

    void tensors() const {
        for (const Tensor & t : p_.tensors) {
            // 1-D tensors (norms, biases, scales) enter element-wise ops that only take f32 in ggml's CPU backend;
            // every converter and llama-quantize keep them f32.
            const bool one_d = t.ne[1] == 1 && t.ne[2] == 1 && t.ne[3] == 1;
            if (one_d && t.type != GGML_TYPE_F32) {
                fail("tensor '" + t.name + "' is 1-D and of type " + ggml_type_name(static_cast<ggml_type>(t.type)) +
                     "; 1-D tensors (norms, biases) must be f32");
            }
        }
    }

    const std::string & path_;
    const Parsed & p_;
};

}  // namespace

void precheckGguf(const std::string & path) {
    const Parsed p = parse(path);
    Semantics(path, p).run();
}

void checkGgufFile(const std::string & path) {
    const port::PathInfo st = port::statPath(path);
    if (!st.exists) {
        throw std::runtime_error("model file not found: " + path + " (" + std::strerror(st.error) + ")");
    }
    if (!st.regular) throw std::runtime_error("model path is not a regular file: " + path);
    FILE * f = port::openFile(path, "rb");
    if (!f) throw std::runtime_error("cannot open model file " + path + ": " + std::strerror(errno));
    unsigned char head[24] = {0};
    const size_t got = std::fread(head, 1, sizeof head, f);
    std::fclose(f);
    if (got < 4 || std::memcmp(head, "GGUF", 4) != 0) {
        throw std::runtime_error("not a GGUF file (the first bytes are not 'GGUF'): " + path);
    }
    if (got < sizeof head) throw std::runtime_error("GGUF file is truncated (shorter than its header): " + path);
    precheckGguf(path);  // header, KV pairs and tensor infos, before llama.cpp sees the file
}

GgufMetadata openGgufMetadata(const std::string & path, bool tensor_descriptions) {
    checkGgufFile(path);
    ggml_context * meta_raw = nullptr;
    gguf_init_params gp{};
    gp.no_alloc = true;
    gp.ctx = tensor_descriptions ? &meta_raw : nullptr;
    GgufMetadata m{GgufPtr(gguf_init_from_file(path.c_str(), gp)), GgmlPtr(meta_raw)};
    if (!m.gguf || (tensor_descriptions && !m.meta)) throw std::runtime_error("cannot read the GGUF metadata of " + path);
    return m;
}

}  // namespace persona
