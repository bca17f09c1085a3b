// Shared plumbing of the native kernels: the oneDNN engine and per-thread stream, the thread
// count both libraries run with, bounds-checked pointers into the caller's heap, and the
// per-thread cache of primitives.
//
// Every kernel works in place on memory JavaScript owns (the tfjs wasm heap): it receives a typed
// array over that memory plus byte offsets, and never copies tensors in or out. The data pointer
// of a typed array over a SharedArrayBuffer or a WebAssembly.Memory buffer is that memory's own
// storage; it is taken afresh on every call (a growing heap may hand out a new buffer).
#pragma once

#include <napi.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "dnnl.hpp"

// The hand-written loops are compiled for AVX-512, AVX2 and the baseline, picked at load time
// (GCC's ifunc dispatch on x86-64 Linux); elsewhere for the baseline only.
#if defined(__x86_64__) && defined(__linux__) && defined(__GNUC__) && !defined(__clang__)
#define SL_MULTIVERSION __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define SL_MULTIVERSION
#endif

namespace sl {

dnnl::engine& engine();
// One stream per JavaScript thread (the trainer and each replica thread call in on their own).
dnnl::stream& stream();

// The thread count every kernel runs with: 0 leaves the libraries' own defaults. OpenMP's count
// is a per-thread setting, so it is applied on the calling thread at the start of each kernel.
int requestedThreads();
void setRequestedThreads(int n);
void applyThreads();

struct Heap {
  uint8_t* base;
  size_t bytes;
};

// The typed array's data; a TypeError where the argument is not one.
Heap heapOf(const Napi::Env& env, const Napi::Value& v);

// A float pointer at byte offset `off` of the heap, after checking that `elems` floats fit there
// and the offset is 4-byte aligned; a RangeError naming `what` otherwise.
float* at(const Napi::Env& env, const Heap& h, const Napi::Value& off, size_t elems, const char* what);

// The Int32Array of geometry integers a kernel takes, checked for length.
std::vector<int64_t> ints(const Napi::Env& env, const Napi::Value& v, size_t n, const char* what);

// Primitives (and their descriptors, reorders, scratch) by geometry and thread count, one map per
// JavaScript thread. Bounded: a run sees a handful of shapes, a sweep more; beyond the cap the
// map is cleared rather than tracked (oneDNN's own primitive cache still holds the JIT code).
template <class T>
class Cache {
 public:
  std::shared_ptr<T> get(const std::vector<int64_t>& key) {
    auto it = map_.find(key);
    return it == map_.end() ? nullptr : it->second;
  }
  void put(const std::vector<int64_t>& key, std::shared_ptr<T> v) {
    if (map_.size() >= 256) map_.clear();
    map_[key] = std::move(v);
  }

 private:
  std::map<std::vector<int64_t>, std::shared_ptr<T>> map_;
};

// The key of a cache entry: the geometry plus the thread count (oneDNN sizes its work split by
// the thread count when a primitive is created).
std::vector<int64_t> keyOf(int op, const std::vector<int64_t>& g);

using tag = dnnl::memory::format_tag;
using dt = dnnl::memory::data_type;

inline dnnl::memory::desc md(const dnnl::memory::dims& d, tag t) { return dnnl::memory::desc(d, dt::f32, t); }

// A JavaScript error from a oneDNN failure; kernels that merely do not apply return false instead.
Napi::Error dnnlError(const Napi::Env& env, const dnnl::error& e, const char* op);

void initConv(Napi::Env env, Napi::Object exports);
void initPool(Napi::Env env, Napi::Object exports);
void initBatchNorm(Napi::Env env, Napi::Object exports);
void initGemm(Napi::Env env, Napi::Object exports);

}  // namespace sl
