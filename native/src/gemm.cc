// Batched dense products C = op(A)·op(B), row-major, on BLAS (cblas_sgemm: OpenBLAS, or
// Accelerate on macOS) or on oneDNN's own sgemm. Both operands are read where they lie: all four
// transpose combinations go straight to sgemm, no copies.
//
// dims (Int32Array, 8): batch M N K transposeA transposeB strideA strideB — strides in floats
// between batch items (0: the operand is shared by every item); C is [batch, M, N] contiguous.
#include <atomic>

#include "blas.h"
#include "common.h"

namespace sl {
namespace {

// 0: BLAS, 1: oneDNN's sgemm (one OpenMP thread pool for everything instead of two).
std::atomic<int> g_engine{0};

void product(bool tA, bool tB, int64_t M, int64_t N, int64_t K, const float* a, const float* b, float* c) {
  const int64_t lda = tA ? M : K, ldb = tB ? K : N;
  if (g_engine == 1) {
    dnnl_sgemm(tA ? 'T' : 'N', tB ? 'T' : 'N', M, N, K, 1.f, a, lda, b, ldb, 0.f, c, N);
    return;
  }
  cblas_sgemm(CblasRowMajor, tA ? CblasTrans : CblasNoTrans, tB ? CblasTrans : CblasNoTrans, static_cast<int>(M), static_cast<int>(N),
              static_cast<int>(K), 1.f, a, static_cast<int>(lda), b, static_cast<int>(ldb), 0.f, c, static_cast<int>(N));
}

// gemm(heap, a, b, c, dims)
Napi::Value Gemm(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto d = ints(env, info[4], 8, "gemm dims");
  int64_t batch = d[0], M = d[1];
  const int64_t N = d[2], K = d[3], sA = d[6], sB = d[7];
  const bool tA = d[4] != 0, tB = d[5] != 0;
  if (batch < 1 || M < 1 || N < 1 || K < 1 || sA < 0 || sB < 0) throw Napi::RangeError::New(env, "gemm dims: sizes must be positive, strides non-negative");
  Heap h = heapOf(env, info[0]);
  const float* a = at(env, h, info[1], (batch - 1) * sA + M * K, "gemm a");
  const float* b = at(env, h, info[2], (batch - 1) * sB + K * N, "gemm b");
  float* c = at(env, h, info[3], batch * M * N, "gemm c");
  applyThreads();
  // A shared right operand and a left one stored item after item: one product of all rows.
  if (batch > 1 && sB == 0 && !tA && sA == M * K) {
    M *= batch;
    batch = 1;
  }
  for (int64_t i = 0; i < batch; i++) product(tA, tB, M, N, K, a + i * sA, b + i * sB, c + i * M * N);
  return env.Undefined();
}

// setGemmEngine('blas' | 'dnnl'): which library the products run on; returns the one in use.
Napi::Value SetGemmEngine(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string name = info.Length() > 0 && info[0].IsString() ? info[0].As<Napi::String>().Utf8Value() : "";
  if (name != "blas" && name != "dnnl") throw Napi::TypeError::New(env, "setGemmEngine: expected 'blas' or 'dnnl'");
  g_engine = name == "dnnl" ? 1 : 0;
  return Napi::String::New(env, name);
}

}  // namespace

void initGemm(Napi::Env env, Napi::Object exports) {
  exports.Set("gemm", Napi::Function::New(env, Gemm, "gemm"));
  exports.Set("setGemmEngine", Napi::Function::New(env, SetGemmEngine, "setGemmEngine"));
}

}  // namespace sl
