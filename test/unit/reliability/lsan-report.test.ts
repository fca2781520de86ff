import { describe, expect, it } from 'vitest';

import { isOurLeak, leakBlocks } from '../../helpers/lsan-report.js';

// Stacks trimmed from real LeakSanitizer reports of `npm run test:asan`.
const v8UnderOurCall = `Indirect leak of 320 byte(s) in 10 object(s) allocated from:
    #0 0x7f98e7cb94c8 in operator new(unsigned long) ../../../../src/libsanitizer/asan/asan_new_delete.cpp:95
    #1 0x11a0739 in v8::internal::Page::AllocateFreeListCategories() (/usr/bin/node+0x11a0739)
    #2 0x117974f in v8::internal::PagedSpaceBase::InitializePage(v8::internal::MemoryChunk*) (/usr/bin/node+0x117974f)
    #12 0x1112e9b in v8::internal::Heap::CollectGarbage(v8::internal::AllocationSpace, v8::internal::GarbageCollectionReason, v8::GCCallbackFlags) (/usr/bin/node+0x1112e9b)
    #30 0xc47ad9 in napi_create_function (/usr/bin/node+0xc47ad9)
    #31 0x7f98bd125f63 in CreateFunction<Napi::details::CallbackData<...>, Napi::Value> > ../node_modules/node-addon-api/napi-inl.h:2751
    #33 0x7f98bd125f63 in persona::AddonModel::Generate(Napi::CallbackInfo const&) ../native/AddonModel.cpp:319
    #37 0xc45d94 in v8impl::(anonymous namespace)::FunctionCallbackWrapper::Invoke(v8::FunctionCallbackInfo<v8::Value> const&) (/usr/bin/node+0xc45d94)`;

const ourVector = `Direct leak of 4096 byte(s) in 1 object(s) allocated from:
    #0 0x7f98e7cb94c8 in operator new(unsigned long) ../../../../src/libsanitizer/asan/asan_new_delete.cpp:95
    #1 0x7f98bd1301aa in std::__new_allocator<float>::allocate(unsigned long, void const*) /usr/include/c++/12/bits/new_allocator.h:137
    #2 0x7f98bd1301aa in persona::VocabMatrixData::build(float const*, int, int, bool) ../native/VocabMatrixData.cpp:88
    #3 0xc45d94 in v8impl::(anonymous namespace)::FunctionCallbackWrapper::Invoke(v8::FunctionCallbackInfo<v8::Value> const&) (/usr/bin/node+0xc45d94)`;

const llamaMalloc = `Direct leak of 64 byte(s) in 1 object(s) allocated from:
    #0 0x7f98e7cb7a37 in __interceptor_calloc ../../../../src/libsanitizer/asan/asan_malloc_linux.cpp:77
    #1 0x7f98bd2a0001 in ggml_init /check/work/main/deps/llama.cpp/ggml/src/ggml.c:1520`;

const napiRefForUs = `Direct leak of 48 byte(s) in 1 object(s) allocated from:
    #0 0x7f98e7cb94c8 in operator new(unsigned long) ../../../../src/libsanitizer/asan/asan_new_delete.cpp:95
    #1 0xc3f1a2 in v8impl::Reference::New(napi_env__*, v8::Local<v8::Value>, unsigned int, v8impl::Ownership, void (*)(napi_env__*, void*, void*), void*, void*) (/usr/bin/node+0xc3f1a2)
    #2 0xc4a0b1 in napi_create_reference (/usr/bin/node+0xc4a0b1)
    #3 0x7f98bd125f63 in persona::AddonModel::Stream(Napi::CallbackInfo const&) ../native/AddonModel.cpp:350`;

const nodeOwn = `Direct leak of 24 byte(s) in 1 object(s) allocated from:
    #0 0x7f98e7cb94c8 in operator new(unsigned long) ../../../../src/libsanitizer/asan/asan_new_delete.cpp:95
    #1 0xa1b2c3 in node::binding::RegisterBuiltinBindings() (/usr/bin/node+0xa1b2c3)
    #2 0xa1b2ff in main (/usr/bin/node+0xa1b2ff)`;

describe('LeakSanitizer report reading', () => {
  it('splits a report into its blocks', () => {
    const report = `=================================================================\n==123==ERROR: LeakSanitizer: detected memory leaks\n\n${ourVector}\n\n${nodeOwn}\n\nSUMMARY: AddressSanitizer: 4120 byte(s) leaked in 2 allocation(s).`;
    const blocks = leakBlocks(report);
    expect(blocks).toHaveLength(2);
    expect(blocks[0]).toMatch(/^Direct leak of 4096/);
    expect(blocks[1]).toMatch(/^Direct leak of 24/);
  });

  it('counts allocations requested by the addon or llama.cpp as ours', () => {
    expect(isOurLeak(ourVector)).toBe(true);
    expect(isOurLeak(llamaMalloc)).toBe(true);
    expect(isOurLeak(napiRefForUs)).toBe(true);
  });

  it("leaves V8's and Node's own allocations to them, even below one of our calls", () => {
    expect(isOurLeak(v8UnderOurCall)).toBe(false);
    expect(isOurLeak(nodeOwn)).toBe(false);
  });
});
