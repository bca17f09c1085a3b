// spline_native: oneDNN convolutions, pooling and batch norm, and BLAS products, for the tfjs
// wasm backend's tensors in place. Node-API only (no V8 ABI), so one build loads in Node and in
// Electron alike.
#include <omp.h>

#include <atomic>
#include <cstdio>

#include "blas.h"
#include "common.h"

namespace sl {

namespace {
std::atomic<int> g_threads{0};
thread_local int t_applied = -1;
}  // namespace

dnnl::engine& engine() {
  static dnnl::engine e(dnnl::engine::kind::cpu, 0);
  return e;
}

dnnl::stream& stream() {
  thread_local dnnl::stream s(engine());
  return s;
}

int requestedThreads() { return g_threads.load(); }

void setRequestedThreads(int n) {
  g_threads.store(n);
  blasSetThreads(n);
}

void applyThreads() {
  int n = g_threads.load();
  if (n > 0 && n != t_applied) {
    omp_set_num_threads(n);
    t_applied = n;
  }
}

Heap heapOf(const Napi::Env& env, const Napi::Value& v) {
  if (!v.IsTypedArray()) throw Napi::TypeError::New(env, "heap: expected a typed array over the tensors' memory");
  Napi::TypedArray a = v.As<Napi::TypedArray>();
  // napi_get_typedarray_info: the view's first byte; for a SharedArrayBuffer or wasm memory
  // buffer that is the shared storage itself (no copy, stable while the buffer lives).
  void* data = nullptr;
  size_t length = 0;
  napi_typedarray_type type;
  napi_status st = napi_get_typedarray_info(env, a, &type, &length, &data, nullptr, nullptr);
  if (st != napi_ok || data == nullptr) throw Napi::TypeError::New(env, "heap: cannot read the typed array's data");
  return Heap{static_cast<uint8_t*>(data), a.ByteLength()};
}

float* at(const Napi::Env& env, const Heap& h, const Napi::Value& off, size_t elems, const char* what) {
  if (!off.IsNumber()) throw Napi::TypeError::New(env, std::string(what) + ": expected a byte offset");
  double o = off.As<Napi::Number>().DoubleValue();
  if (!(o >= 0) || o != static_cast<double>(static_cast<uint64_t>(o)) || static_cast<uint64_t>(o) % 4 != 0 ||
      static_cast<uint64_t>(o) + elems * 4 > h.bytes) {
    throw Napi::RangeError::New(env, std::string(what) + ": offset " + std::to_string(static_cast<int64_t>(o)) + " + " + std::to_string(elems) +
                                         " floats is outside the heap or not 4-byte aligned");
  }
  return reinterpret_cast<float*>(h.base + static_cast<uint64_t>(o));
}

std::vector<int64_t> ints(const Napi::Env& env, const Napi::Value& v, size_t n, const char* what) {
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_int32_array) {
    throw Napi::TypeError::New(env, std::string(what) + ": expected an Int32Array");
  }
  Napi::Int32Array a = v.As<Napi::Int32Array>();
  if (a.ElementLength() != n) throw Napi::TypeError::New(env, std::string(what) + ": expected " + std::to_string(n) + " integers");
  std::vector<int64_t> out(n);
  for (size_t i = 0; i < n; i++) out[i] = a[i];
  return out;
}

std::vector<int64_t> keyOf(int op, const std::vector<int64_t>& g) {
  std::vector<int64_t> k;
  k.reserve(g.size() + 2);
  k.push_back(op);
  k.push_back(g_threads.load());
  k.insert(k.end(), g.begin(), g.end());
  return k;
}

Napi::Error dnnlError(const Napi::Env& env, const dnnl::error& e, const char* op) {
  return Napi::Error::New(env, std::string(op) + " (oneDNN): " + e.what() + " (status " + std::to_string(static_cast<int>(e.status)) + ")");
}

namespace {

const char* isaName(dnnl_cpu_isa_t isa) {
  switch (isa) {
    case dnnl_cpu_isa_sse41: return "sse41";
    case dnnl_cpu_isa_avx: return "avx";
    case dnnl_cpu_isa_avx2: return "avx2";
    case dnnl_cpu_isa_avx512_mic: return "avx512_mic";
    case dnnl_cpu_isa_avx512_mic_4ops: return "avx512_mic_4ops";
    case dnnl_cpu_isa_avx512_core: return "avx512_core";
    case dnnl_cpu_isa_avx512_core_vnni: return "avx512_core_vnni";
    case dnnl_cpu_isa_avx512_core_bf16: return "avx512_core_bf16";
    case dnnl_cpu_isa_avx512_core_amx: return "avx512_core_amx";
    case dnnl_cpu_isa_avx2_vnni: return "avx2_vnni";
    default: return "other";
  }
}

// What each library runs with on the calling thread, as the libraries report it.
Napi::Object threadsReport(Napi::Env env) {
  applyThreads();
  Napi::Object o = Napi::Object::New(env);
  o.Set("requested", g_threads.load());
  o.Set("openmp", omp_get_max_threads());
  o.Set("blas", blasThreads());
  o.Set("cores", omp_get_num_procs());
  return o;
}

Napi::Value SetThreads(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsNumber()) throw Napi::TypeError::New(env, "setThreads: expected a thread count");
  double n = info[0].As<Napi::Number>().DoubleValue();
  if (!(n >= 1 && n <= 1024) || n != static_cast<int>(n)) throw Napi::RangeError::New(env, "setThreads: the thread count must be an integer from 1 to 1024");
  setRequestedThreads(static_cast<int>(n));
  return threadsReport(env);
}

Napi::Value Threads(const Napi::CallbackInfo& info) { return threadsReport(info.Env()); }

Napi::Value Info(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const dnnl_version_t* v = dnnl_version();
  char version[64];
  std::snprintf(version, sizeof version, "%d.%d.%d", v->major, v->minor, v->patch);
  Napi::Object o = Napi::Object::New(env);
  o.Set("dnnl", std::string(version));
  o.Set("dnnlRuntime", std::string(v->cpu_runtime == DNNL_RUNTIME_OMP ? "OpenMP" : "other"));
  o.Set("isa", std::string(isaName(dnnl_get_effective_cpu_isa())));
  o.Set("blas", std::string(blasName()));
  o.Set("blasCore", std::string(blasCore()));
  o.Set("napiVersion", NAPI_VERSION);
  o.Set("threads", threadsReport(env));
  return o;
}

}  // namespace

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("setThreads", Napi::Function::New(env, SetThreads, "setThreads"));
  exports.Set("threads", Napi::Function::New(env, Threads, "threads"));
  exports.Set("info", Napi::Function::New(env, Info, "info"));
  initConv(env, exports);
  initPool(env, exports);
  initBatchNorm(env, exports);
  initGemm(env, exports);
  return exports;
}

}  // namespace sl

static Napi::Object InitModule(Napi::Env env, Napi::Object exports) { return sl::Init(env, exports); }

NODE_API_MODULE(spline_native, InitModule)
