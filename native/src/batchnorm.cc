// Batch normalization over the last (channel) axis: the fused training forward and backward of
// core/batchNorm.ts (SplineLabBatchNormTrain / …Grad), and inference (tfjs's FusedBatchNorm with
// per-channel statistics) on oneDNN. Data is [M, C] row-major: any NHWC tensor or a dense
// layer's [batch, units]; oneDNN reads it as NHWC with 1×1 images (its JIT kernel; as 2-D 'nc'
// it picks a reference one).
//
// Training runs our own two passes each way instead of oneDNN's: oneDNN sums in float32 and
// normalises with a float32 mean, which loses the variance and x̂ of a channel whose mean dwarfs
// its spread (a mean of 1000 with spread 0.01: 3 % off in y). Ours sum in double around the first
// row and carry the mean as a float pair hi + lo, as the wasm kernels (and PyTorch's CPU kernel,
// summing in double) do. The passes are memory-bound loops, compiled for AVX-512/AVX2 and split
// over the OpenMP threads by rows.
#include <omp.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "common.h"

namespace sl {
namespace {

using namespace dnnl;

// Below this many elements a pass is not worth waking other threads for.
constexpr int64_t kParallelElements = 1 << 15;

// The sums run over blocks of 16 channels with their accumulators in registers (16 doubles per
// sum: two AVX-512 registers), one row after another; a last partial block takes the general loop.
constexpr int64_t kBlock = 16;

template <bool Backward, int64_t W>
__attribute__((always_inline)) inline void sumBlock(const float* __restrict x, const float* __restrict dy, const float* __restrict shift, int64_t C,
                                                    int64_t c0, int64_t w, int64_t r0, int64_t r1, double* s, double* t, double* u) {
  const int64_t n = W > 0 ? W : w;
  double sa[kBlock] = {}, ta[kBlock] = {}, ua[kBlock] = {}, k[kBlock] = {};
  for (int64_t j = 0; j < n; j++) k[j] = shift[c0 + j];
  for (int64_t r = r0; r < r1; r++) {
    const float* row = x + r * C + c0;
    const float* g = Backward ? dy + r * C + c0 : nullptr;
    for (int64_t j = 0; j < n; j++) {
      const double d = static_cast<double>(row[j]) - k[j];
      sa[j] += d;
      if (Backward) {
        ta[j] += static_cast<double>(g[j]) * d;
        ua[j] += g[j];
      } else {
        ta[j] += d * d;
      }
    }
  }
  for (int64_t j = 0; j < n; j++) {
    s[c0 + j] += sa[j];
    t[c0 + j] += ta[j];
    if (Backward) u[c0 + j] += ua[j];
  }
}

// Adds rows [r0, r1) to the per-channel sums, d = x − shift: s = Σd and t = Σd² (forward), or
// s = Σd, t = Σdy·d, u = Σdy (backward, dy given).
SL_MULTIVERSION void sumRows(const float* x, const float* dy, const float* shift, int64_t C, int64_t r0, int64_t r1, double* s, double* t, double* u) {
  int64_t c0 = 0;
  for (; c0 + kBlock <= C; c0 += kBlock) {
    if (dy == nullptr) sumBlock<false, kBlock>(x, dy, shift, C, c0, kBlock, r0, r1, s, t, u);
    else sumBlock<true, kBlock>(x, dy, shift, C, c0, kBlock, r0, r1, s, t, u);
  }
  if (c0 < C) {
    if (dy == nullptr) sumBlock<false, 0>(x, dy, shift, C, c0, C - c0, r0, r1, s, t, u);
    else sumBlock<true, 0>(x, dy, shift, C, c0, C - c0, r0, r1, s, t, u);
  }
}

// y = (x − hi − lo)·scale + b: x − hi is exact where x is near the mean, which is where it matters.
SL_MULTIVERSION void normalize(const float* __restrict x, float* __restrict y, int64_t C, int64_t r0, int64_t r1, const float* hi, const float* lo, const float* scale,
                               const float* b) {
  for (int64_t r = r0; r < r1; r++) {
    const float* xr = x + r * C;
    float* yr = y + r * C;
    for (int64_t c = 0; c < C; c++) yr[c] = ((xr[c] - hi[c]) - lo[c]) * scale[c] + b[c];
  }
}

// dx = a·dy + k·(x − hi − lo) + d.
SL_MULTIVERSION void inputGrad(const float* __restrict x, const float* __restrict dy, float* __restrict dx, int64_t C, int64_t r0, int64_t r1, const float* hi, const float* lo,
                               const float* a, const float* k, const float* d) {
  for (int64_t r = r0; r < r1; r++) {
    const float* xr = x + r * C;
    const float* g = dy + r * C;
    float* out = dx + r * C;
    for (int64_t c = 0; c < C; c++) out[c] = a[c] * g[c] + k[c] * ((xr[c] - hi[c]) - lo[c]) + d[c];
  }
}

// Per-channel sums over all rows, the rows split over the threads; partial sums added in thread
// order, so that a thread count gives the same result every time.
void sums(const float* x, const float* dy, int64_t M, int64_t C, std::vector<double>& s, std::vector<double>& t, std::vector<double>& u) {
  const int nt = M * C >= kParallelElements ? omp_get_max_threads() : 1;
  std::vector<double> part(static_cast<size_t>(nt) * 3 * C, 0.0);
#pragma omp parallel num_threads(nt)
  {
    const int i = omp_get_thread_num(), n = omp_get_num_threads();
    double* p = part.data() + static_cast<size_t>(i) * 3 * C;
    const int64_t r0 = M * i / n, r1 = M * (i + 1) / n;
    sumRows(x, dy, x, C, r0, r1, p, p + C, p + 2 * C);
  }
  for (int i = 0; i < nt; i++) {
    const double* p = part.data() + static_cast<size_t>(i) * 3 * C;
    for (int64_t c = 0; c < C; c++) {
      s[c] += p[c];
      t[c] += p[C + c];
      u[c] += p[2 * C + c];
    }
  }
}

template <class F>
void overRows(int64_t M, int64_t C, F pass) {
  const int nt = M * C >= kParallelElements ? omp_get_max_threads() : 1;
#pragma omp parallel num_threads(nt)
  {
    const int i = omp_get_thread_num(), n = omp_get_num_threads();
    pass(M * i / n, M * (i + 1) / n);
  }
}

// A per-channel mean as hi + lo (together ≈ 48 bits).
void split(const std::vector<double>& mean, std::vector<float>& hi, std::vector<float>& lo) {
  for (size_t c = 0; c < mean.size(); c++) {
    hi[c] = static_cast<float>(mean[c]);
    lo[c] = static_cast<float>(mean[c] - hi[c]);
  }
}

std::vector<int64_t> dims(const Napi::Env& env, const Napi::Value& v, const char* what) {
  auto d = ints(env, v, 2, what);
  if (d[0] < 1 || d[1] < 1) throw Napi::RangeError::New(env, std::string(what) + ": rows and channels must be positive");
  return d;
}

// batchNormTrain(heap, x, gamma, beta, y, mean, variance, invStd, [M, C], epsilon): y normalised
// with the batch's own statistics; mean, biased variance and 1/√(variance + ε) per channel.
Napi::Value BatchNormTrain(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto dm = dims(env, info[8], "batchNormTrain dims");
  const int64_t M = dm[0], C = dm[1];
  const double eps = info[9].As<Napi::Number>().DoubleValue();
  Heap h = heapOf(env, info[0]);
  const float* x = at(env, h, info[1], M * C, "batchNormTrain x");
  const float* gamma = at(env, h, info[2], C, "batchNormTrain gamma");
  const float* beta = at(env, h, info[3], C, "batchNormTrain beta");
  float* y = at(env, h, info[4], M * C, "batchNormTrain y");
  float* meanOut = at(env, h, info[5], C, "batchNormTrain mean");
  float* varOut = at(env, h, info[6], C, "batchNormTrain variance");
  float* invOut = at(env, h, info[7], C, "batchNormTrain invStd");
  applyThreads();
  std::vector<double> s(C, 0.0), t(C, 0.0), u(C, 0.0), mean(C);
  sums(x, nullptr, M, C, s, t, u);
  std::vector<float> hi(C), lo(C), scale(C), b(beta, beta + C);
  for (int64_t c = 0; c < C; c++) {
    const double dMean = s[c] / M;
    const double variance = std::max(0.0, t[c] / M - dMean * dMean);
    const double inv = 1.0 / std::sqrt(variance + eps);
    mean[c] = static_cast<double>(x[c]) + dMean;
    meanOut[c] = static_cast<float>(mean[c]);
    varOut[c] = static_cast<float>(variance);
    invOut[c] = static_cast<float>(inv);
    scale[c] = static_cast<float>(inv * gamma[c]);
  }
  split(mean, hi, lo);
  overRows(M, C, [&](int64_t r0, int64_t r1) { normalize(x, y, C, r0, r1, hi.data(), lo.data(), scale.data(), b.data()); });
  return Napi::Boolean::New(env, true);
}

// batchNormTrainGrad(heap, dy, x, gamma, invStd, dx, dgamma, dbeta, [M, C]). With x̂ = (x − mean)/σ:
// dβ = Σdy, dγ = Σdy·x̂, dx = γ/σ · (dy − dβ/M − x̂·dγ/M) = a·dy + k·(x − mean) + d. The mean is
// recomputed from x in the same pass (the forward's float32 mean would move x̂ where the mean
// dwarfs the spread).
Napi::Value BatchNormTrainGrad(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto dm = dims(env, info[8], "batchNormTrainGrad dims");
  const int64_t M = dm[0], C = dm[1];
  Heap h = heapOf(env, info[0]);
  const float* dy = at(env, h, info[1], M * C, "batchNormTrainGrad dy");
  const float* x = at(env, h, info[2], M * C, "batchNormTrainGrad x");
  const float* gamma = at(env, h, info[3], C, "batchNormTrainGrad gamma");
  const float* invStd = at(env, h, info[4], C, "batchNormTrainGrad invStd");
  float* dx = at(env, h, info[5], M * C, "batchNormTrainGrad dx");
  float* dgamma = at(env, h, info[6], C, "batchNormTrainGrad dgamma");
  float* dbeta = at(env, h, info[7], C, "batchNormTrainGrad dbeta");
  applyThreads();
  std::vector<double> s(C, 0.0), sumDyD(C, 0.0), sumDy(C, 0.0), mean(C);
  sums(x, dy, M, C, s, sumDyD, sumDy);
  std::vector<float> hi(C), lo(C), a(C), k(C), d(C);
  for (int64_t c = 0; c < C; c++) {
    const double inv = invStd[c];
    const double dMean = s[c] / M;
    const double sumDyXc = sumDyD[c] - dMean * sumDy[c];
    const double ac = gamma[c] * inv;
    mean[c] = static_cast<double>(x[c]) + dMean;
    a[c] = static_cast<float>(ac);
    k[c] = static_cast<float>(-ac * inv * inv * sumDyXc / M);
    d[c] = static_cast<float>(-ac * sumDy[c] / M);
    dgamma[c] = static_cast<float>(sumDyXc * inv);
    dbeta[c] = static_cast<float>(sumDy[c]);
  }
  split(mean, hi, lo);
  overRows(M, C, [&](int64_t r0, int64_t r1) { inputGrad(x, dy, dx, C, r0, r1, hi.data(), lo.data(), a.data(), k.data(), d.data()); });
  return Napi::Boolean::New(env, true);
}

struct Inference {
  bool ok = false;
  batch_normalization_forward prim;
  memory data, out;
};

thread_local Cache<Inference> t_inference;

int64_t bitsOf(float f) {
  int32_t b;
  std::memcpy(&b, &f, sizeof b);
  return b;
}

std::shared_ptr<Inference> inferenceEntry(int64_t M, int64_t C, float eps, bool scale, bool shift) {
  std::vector<int64_t> key = keyOf(32, {M, C, bitsOf(eps), scale, shift});
  auto e = t_inference.get(key);
  if (e) return e;
  e = std::make_shared<Inference>();
  normalization_flags f = normalization_flags::use_global_stats;
  if (scale) f = f | normalization_flags::use_scale;
  if (shift) f = f | normalization_flags::use_shift;
  try {
    batch_normalization_forward::desc desc(prop_kind::forward_inference, md({M, C, 1, 1}, tag::nhwc), eps, f);
    batch_normalization_forward::primitive_desc pd(desc, engine(), true);
    if (pd) {
      e->prim = batch_normalization_forward(pd);
      e->data = memory(pd.src_desc(), engine(), DNNL_MEMORY_NONE);
      e->out = memory(pd.dst_desc(), engine(), DNNL_MEMORY_NONE);
      e->ok = true;
    }
  } catch (const dnnl::error&) {
    e->ok = false;  // the caller falls back
  }
  t_inference.put(key, e);
  return e;
}

memory channels(int64_t C, const float* p) { return memory(md({C}, tag::x), engine(), const_cast<float*>(p)); }

// batchNormInference(heap, x, mean, variance, scale | -1, offset | -1, y, [M, C], epsilon):
// y = (x − mean)·scale/√(variance + ε) + offset with the given per-channel statistics.
Napi::Value BatchNormInference(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto dm = dims(env, info[7], "batchNormInference dims");
  const int64_t M = dm[0], C = dm[1];
  const float eps = info[8].As<Napi::Number>().FloatValue();
  Heap h = heapOf(env, info[0]);
  float* x = at(env, h, info[1], M * C, "batchNormInference x");
  const float* mean = at(env, h, info[2], C, "batchNormInference mean");
  const float* var = at(env, h, info[3], C, "batchNormInference variance");
  const bool hasScale = info[4].As<Napi::Number>().DoubleValue() >= 0;
  const bool hasShift = info[5].As<Napi::Number>().DoubleValue() >= 0;
  const float* scale = hasScale ? at(env, h, info[4], C, "batchNormInference scale") : nullptr;
  const float* shift = hasShift ? at(env, h, info[5], C, "batchNormInference offset") : nullptr;
  float* y = at(env, h, info[6], M * C, "batchNormInference y");
  try {
    applyThreads();
    auto e = inferenceEntry(M, C, eps, hasScale, hasShift);
    if (!e->ok) return Napi::Boolean::New(env, false);
    e->data.set_data_handle(x);
    e->out.set_data_handle(y);
    std::unordered_map<int, memory> args{{DNNL_ARG_SRC, e->data}, {DNNL_ARG_DST, e->out}, {DNNL_ARG_MEAN, channels(C, mean)}, {DNNL_ARG_VARIANCE, channels(C, var)}};
    if (hasScale) args.insert({DNNL_ARG_SCALE, channels(C, scale)});
    if (hasShift) args.insert({DNNL_ARG_SHIFT, channels(C, shift)});
    e->prim.execute(stream(), args);
    stream().wait();
  } catch (const dnnl::error& err) {
    throw dnnlError(env, err, "batchNormInference");
  }
  return Napi::Boolean::New(env, true);
}

}  // namespace

void initBatchNorm(Napi::Env env, Napi::Object exports) {
  exports.Set("batchNormTrain", Napi::Function::New(env, BatchNormTrain, "batchNormTrain"));
  exports.Set("batchNormTrainGrad", Napi::Function::New(env, BatchNormTrainGrad, "batchNormTrainGrad"));
  exports.Set("batchNormInference", Napi::Function::New(env, BatchNormInference, "batchNormInference"));
}

}  // namespace sl
