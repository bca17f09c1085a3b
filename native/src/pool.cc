// Max and average pooling, forward and backward, NHWC, on oneDNN; and a MaxPoolGrad loop with
// the `cpu` backend's exact routing for the cases oneDNN's workspace cannot express.
//
// Semantics (TensorFlow.js `cpu`): max pooling ignores positions outside the input; average
// pooling divides by the in-bounds count going forward (oneDNN's avg_exclude_padding) but its
// gradient spreads dy with the constant 1/(KH·KW) (avg_include_padding). Max pooling's gradient
// goes to the first maximum in row-major window order; a window with no value above −∞ (all
// −∞ or NaN) passes nothing.
//
// Geometry (Int32Array, 14): N H W C OH OW KH KW strideH strideW padTop padLeft padBottom padRight.
#include <omp.h>

#include <cfloat>
#include <cmath>
#include <cstring>
#include <vector>

#include "common.h"

namespace sl {
namespace {

using namespace dnnl;

constexpr size_t G = 14;

struct Geom {
  memory::dims src, dst, strides, kernel, pl, pr;
  size_t srcN, dstN;
  int64_t N, H, W, C, OH, OW, KH, KW, sh, sw, pt, pleft;
};

Geom geomOf(const std::vector<int64_t>& g) {
  Geom c;
  c.N = g[0], c.H = g[1], c.W = g[2], c.C = g[3], c.OH = g[4], c.OW = g[5], c.KH = g[6], c.KW = g[7];
  c.sh = g[8], c.sw = g[9], c.pt = g[10], c.pleft = g[11];
  c.src = {c.N, c.C, c.H, c.W};
  c.dst = {c.N, c.C, c.OH, c.OW};
  c.strides = {c.sh, c.sw};
  c.kernel = {c.KH, c.KW};
  c.pl = {g[10], g[11]};
  c.pr = {g[12], g[13]};
  c.srcN = static_cast<size_t>(c.N * c.H * c.W * c.C);
  c.dstN = static_cast<size_t>(c.N * c.OH * c.OW * c.C);
  return c;
}

pooling_forward::primitive_desc forwardPd(const Geom& c, algorithm alg, prop_kind kind) {
  pooling_forward::desc d(kind, alg, md(c.src, tag::nhwc), md(c.dst, tag::nhwc), c.strides, c.kernel, c.pl, c.pr);
  return pooling_forward::primitive_desc(d, engine(), true);
}

struct Forward {
  bool ok = false;
  pooling_forward prim;
  memory src, dst;
  memory::desc ws;
};

struct Backward {
  bool ok = false;
  pooling_backward prim;
  memory diffDst, diffSrc;
  memory::desc ws;
};

thread_local Cache<Forward> t_fwd;
thread_local Cache<Backward> t_bwd;

algorithm algOf(int code) {
  switch (code) {
    case 0: return algorithm::pooling_max;
    case 1: return algorithm::pooling_avg_exclude_padding;
    default: return algorithm::pooling_avg_include_padding;
  }
}

std::shared_ptr<Forward> forwardEntry(const Geom& c, const std::vector<int64_t>& g, int alg, bool training) {
  std::vector<int64_t> key = keyOf(10 + alg * 2 + (training ? 1 : 0), g);
  auto e = t_fwd.get(key);
  if (e) return e;
  e = std::make_shared<Forward>();
  try {
    auto pd = forwardPd(c, algOf(alg), training ? prop_kind::forward_training : prop_kind::forward_inference);
    if (pd) {
      e->prim = pooling_forward(pd);
      e->src = memory(pd.src_desc(), engine(), DNNL_MEMORY_NONE);
      e->dst = memory(pd.dst_desc(), engine(), DNNL_MEMORY_NONE);
      e->ws = pd.workspace_desc();
      e->ok = true;
    }
  } catch (const dnnl::error&) {
    e->ok = false;  // a geometry oneDNN rejects (a window wholly in the padding): the caller falls back
  }
  t_fwd.put(key, e);
  return e;
}

std::shared_ptr<Backward> backwardEntry(const Geom& c, const std::vector<int64_t>& g, int alg) {
  std::vector<int64_t> key = keyOf(20 + alg, g);
  auto e = t_bwd.get(key);
  if (e) return e;
  e = std::make_shared<Backward>();
  try {
    auto hint = forwardPd(c, algOf(alg), prop_kind::forward_training);
    if (hint) {
      pooling_backward::desc d(algOf(alg), md(c.src, tag::nhwc), md(c.dst, tag::nhwc), c.strides, c.kernel, c.pl, c.pr);
      pooling_backward::primitive_desc pd(d, engine(), hint, true);
      if (pd) {
        e->prim = pooling_backward(pd);
        e->diffDst = memory(pd.diff_dst_desc(), engine(), DNNL_MEMORY_NONE);
        e->diffSrc = memory(pd.diff_src_desc(), engine(), DNNL_MEMORY_NONE);
        e->ws = pd.workspace_desc();
        e->ok = true;
      }
    }
  } catch (const dnnl::error&) {
    e->ok = false;
  }
  t_bwd.put(key, e);
  return e;
}

// A window whose maximum is not above −∞ (all −∞, NaN or outside) must pass nothing backward;
// oneDNN's workspace always names some position, so such outputs keep the workspace from being used.
bool allWindowsHaveAMax(const float* y, size_t n) {
  for (size_t i = 0; i < n; i++) {
    if (!(y[i] > -FLT_MAX)) return false;
  }
  return true;
}

// pool(heap, alg, x, y, geom, training): alg 0 max, 1 average. Returns false where oneDNN has no
// kernel; for max pooling in training, the workspace (an ArrayBuffer) that poolBackward can use,
// or true where it cannot (see allWindowsHaveAMax); otherwise true.
Napi::Value Pool(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int alg = info[1].As<Napi::Number>().Int32Value();
  if (alg != 0 && alg != 1) throw Napi::RangeError::New(env, "pool: alg must be 0 (max) or 1 (average)");
  auto g = ints(env, info[4], G, "pool geometry");
  bool training = info[5].ToBoolean() && alg == 0;
  Geom c = geomOf(g);
  Heap h = heapOf(env, info[0]);
  float* x = at(env, h, info[2], c.srcN, "pool x");
  float* y = at(env, h, info[3], c.dstN, "pool y");
  try {
    applyThreads();
    auto e = forwardEntry(c, g, alg, training);
    if (!e->ok) return Napi::Boolean::New(env, false);
    e->src.set_data_handle(x);
    e->dst.set_data_handle(y);
    if (!training) {
      e->prim.execute(stream(), {{DNNL_ARG_SRC, e->src}, {DNNL_ARG_DST, e->dst}});
      stream().wait();
      return Napi::Boolean::New(env, true);
    }
    Napi::ArrayBuffer wsBuf = Napi::ArrayBuffer::New(env, e->ws.get_size());
    memory ws(e->ws, engine(), wsBuf.Data());
    e->prim.execute(stream(), {{DNNL_ARG_SRC, e->src}, {DNNL_ARG_DST, e->dst}, {DNNL_ARG_WORKSPACE, ws}});
    stream().wait();
    if (!allWindowsHaveAMax(y, c.dstN)) return Napi::Boolean::New(env, true);
    return wsBuf;
  } catch (const dnnl::error& err) {
    throw dnnlError(env, err, "pool");
  }
}

// poolBackward(heap, alg, dy, dx, geom, workspace): alg 0 max (workspace from pool), 2 average
// spreading by 1/(KH·KW). Returns false where oneDNN has no kernel.
Napi::Value PoolBackward(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int alg = info[1].As<Napi::Number>().Int32Value();
  if (alg != 0 && alg != 2) throw Napi::RangeError::New(env, "poolBackward: alg must be 0 (max) or 2 (average)");
  auto g = ints(env, info[4], G, "poolBackward geometry");
  Geom c = geomOf(g);
  Heap h = heapOf(env, info[0]);
  float* dy = at(env, h, info[2], c.dstN, "poolBackward dy");
  float* dx = at(env, h, info[3], c.srcN, "poolBackward dx");
  try {
    applyThreads();
    auto e = backwardEntry(c, g, alg);
    if (!e->ok) return Napi::Boolean::New(env, false);
    e->diffDst.set_data_handle(dy);
    e->diffSrc.set_data_handle(dx);
    if (alg == 0) {
      if (!info[5].IsArrayBuffer() || info[5].As<Napi::ArrayBuffer>().ByteLength() != e->ws.get_size()) {
        throw Napi::TypeError::New(env, "poolBackward: max pooling needs the workspace its forward pass returned");
      }
      memory ws(e->ws, engine(), info[5].As<Napi::ArrayBuffer>().Data());
      e->prim.execute(stream(), {{DNNL_ARG_DIFF_DST, e->diffDst}, {DNNL_ARG_DIFF_SRC, e->diffSrc}, {DNNL_ARG_WORKSPACE, ws}});
    } else {
      e->prim.execute(stream(), {{DNNL_ARG_DIFF_DST, e->diffDst}, {DNNL_ARG_DIFF_SRC, e->diffSrc}});
    }
    stream().wait();
  } catch (const dnnl::error& err) {
    throw dnnlError(env, err, "poolBackward");
  }
  return Napi::Boolean::New(env, true);
}

// One image of the exact MaxPoolGrad where windows overlap: for each window and channel the first
// strict maximum (starting from −∞, so NaN never wins) receives dy; overlapping windows add up.
SL_MULTIVERSION void maxPoolGradOverlapping(const Geom& c, const float* x, const float* dy, float* dx, float* best, int64_t* arg) {
  const int64_t C = c.C;
  std::memset(dx, 0, sizeof(float) * c.H * c.W * C);
  for (int64_t oh = 0; oh < c.OH; oh++) {
    const int64_t h0 = oh * c.sh - c.pt;
    const int64_t hLo = h0 < 0 ? 0 : h0, hHi = h0 + c.KH < c.H ? h0 + c.KH : c.H;
    for (int64_t ow = 0; ow < c.OW; ow++) {
      const int64_t w0 = ow * c.sw - c.pleft;
      const int64_t wLo = w0 < 0 ? 0 : w0, wHi = w0 + c.KW < c.W ? w0 + c.KW : c.W;
      for (int64_t ch = 0; ch < C; ch++) {
        best[ch] = -INFINITY;
        arg[ch] = -1;
      }
      for (int64_t hh = hLo; hh < hHi; hh++) {
        for (int64_t ww = wLo; ww < wHi; ww++) {
          const int64_t base = (hh * c.W + ww) * C;
          for (int64_t ch = 0; ch < C; ch++) {
            const float v = x[base + ch];
            const bool more = v > best[ch];
            best[ch] = more ? v : best[ch];
            arg[ch] = more ? base + ch : arg[ch];
          }
        }
      }
      const float* g = dy + (oh * c.OW + ow) * C;
      for (int64_t ch = 0; ch < C; ch++) {
        if (arg[ch] >= 0) dx[arg[ch]] += g[ch];
      }
    }
  }
}

// The same where windows do not overlap (stride ≥ window, the usual 2×2/2): every input element
// lies in at most one window, so dx is written directly, dy at the window's first maximum and 0
// elsewhere, two vectorised sweeps over the window; positions no window covers are zeroed first.
SL_MULTIVERSION void maxPoolGradTiles(const Geom& c, const float* __restrict x, const float* __restrict dy, float* __restrict dx, float* __restrict best,
                                      int32_t* __restrict arg) {
  const int64_t C = c.C;
  const bool covered = c.sh == c.KH && c.sw == c.KW && c.pt == 0 && c.pleft == 0 && c.OH * c.KH == c.H && c.OW * c.KW == c.W;
  if (!covered) std::memset(dx, 0, sizeof(float) * c.H * c.W * C);
  for (int64_t oh = 0; oh < c.OH; oh++) {
    const int64_t h0 = oh * c.sh - c.pt;
    const int64_t hLo = h0 < 0 ? 0 : h0, hHi = h0 + c.KH < c.H ? h0 + c.KH : c.H;
    for (int64_t ow = 0; ow < c.OW; ow++) {
      const int64_t w0 = ow * c.sw - c.pleft;
      const int64_t wLo = w0 < 0 ? 0 : w0, wHi = w0 + c.KW < c.W ? w0 + c.KW : c.W;
      for (int64_t ch = 0; ch < C; ch++) {
        best[ch] = -INFINITY;
        arg[ch] = -1;
      }
      int32_t p = 0;
      for (int64_t hh = hLo; hh < hHi; hh++) {
        for (int64_t ww = wLo; ww < wHi; ww++, p++) {
          const float* xs = x + (hh * c.W + ww) * C;
          for (int64_t ch = 0; ch < C; ch++) {
            const bool more = xs[ch] > best[ch];
            best[ch] = more ? xs[ch] : best[ch];
            arg[ch] = more ? p : arg[ch];
          }
        }
      }
      const float* g = dy + (oh * c.OW + ow) * C;
      p = 0;
      for (int64_t hh = hLo; hh < hHi; hh++) {
        for (int64_t ww = wLo; ww < wHi; ww++, p++) {
          float* out = dx + (hh * c.W + ww) * C;
          for (int64_t ch = 0; ch < C; ch++) out[ch] = arg[ch] == p ? g[ch] : 0.f;
        }
      }
    }
  }
}

// maxPoolGradLoop(heap, x, dy, dx, geom): dx of max pooling with cpu's routing, from x itself.
Napi::Value MaxPoolGradLoop(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto g = ints(env, info[4], G, "maxPoolGradLoop geometry");
  Geom c = geomOf(g);
  Heap h = heapOf(env, info[0]);
  const float* x = at(env, h, info[1], c.srcN, "maxPoolGradLoop x");
  const float* dy = at(env, h, info[2], c.dstN, "maxPoolGradLoop dy");
  float* dx = at(env, h, info[3], c.srcN, "maxPoolGradLoop dx");
  applyThreads();
  const int64_t inImage = c.H * c.W * c.C, outImage = c.OH * c.OW * c.C;
  const bool overlapping = c.KH > c.sh || c.KW > c.sw;
#pragma omp parallel
  {
    std::vector<float> best(c.C);
    std::vector<int64_t> arg(c.C);
    std::vector<int32_t> arg32(c.C);
#pragma omp for schedule(static)
    for (int64_t n = 0; n < c.N; n++) {
      if (overlapping) maxPoolGradOverlapping(c, x + n * inImage, dy + n * outImage, dx + n * inImage, best.data(), arg.data());
      else maxPoolGradTiles(c, x + n * inImage, dy + n * outImage, dx + n * inImage, best.data(), arg32.data());
    }
  }
  return env.Undefined();
}

}  // namespace

void initPool(Napi::Env env, Napi::Object exports) {
  exports.Set("pool", Napi::Function::New(env, Pool, "pool"));
  exports.Set("poolBackward", Napi::Function::New(env, PoolBackward, "poolBackward"));
  exports.Set("maxPoolGradLoop", Napi::Function::New(env, MaxPoolGradLoop, "maxPoolGradLoop"));
}

}  // namespace sl
