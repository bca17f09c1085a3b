// 2-D convolution forward, backward data and backward weights on oneDNN, in TensorFlow.js's
// layouts: activations NHWC, filters HWIO ([KH, KW, CI, CO]). Activations stay where they are
// (oneDNN's NHWC kernels read and write them in place); only the filter, a few thousand floats, is
// reordered into the blocked layout the chosen kernel wants, and a weight gradient back out of it.
//
// Geometry (Int32Array, 17): N H W CI CO KH KW OH OW strideH strideW dilationH dilationW
// padTop padLeft padBottom padRight. Pads are oneDNN's: the caller makes bottom/right consistent
// with OH/OW (tfjs's 'ceil' rounding pads beyond its own padInfo; zeros either way).
#include "common.h"

namespace sl {
namespace {

using namespace dnnl;

constexpr size_t G = 17;

struct Geom {
  memory::dims src, wts, dst, strides, dil, pl, pr;
  size_t srcN, wtsN, dstN;
};

Geom geomOf(const std::vector<int64_t>& g) {
  const int64_t N = g[0], H = g[1], W = g[2], CI = g[3], CO = g[4], KH = g[5], KW = g[6], OH = g[7], OW = g[8];
  Geom c;
  c.src = {N, CI, H, W};
  c.wts = {CO, CI, KH, KW};
  c.dst = {N, CO, OH, OW};
  c.strides = {g[9], g[10]};
  c.dil = {g[11] - 1, g[12] - 1};
  c.pl = {g[13], g[14]};
  c.pr = {g[15], g[16]};
  c.srcN = static_cast<size_t>(N * H * W * CI);
  c.wtsN = static_cast<size_t>(KH * KW * CI * CO);
  c.dstN = static_cast<size_t>(N * OH * OW * CO);
  return c;
}

convolution_forward::primitive_desc forwardPd(const Geom& c) {
  convolution_forward::desc d(prop_kind::forward_training, algorithm::convolution_direct, md(c.src, tag::nhwc), md(c.wts, tag::any),
                              md(c.dst, tag::nhwc), c.strides, c.dil, c.pl, c.pr);
  return convolution_forward::primitive_desc(d, engine(), true);
}

// A filter in the user's HWIO layout and, where the kernel wants another, its blocked copy with
// the reorder between them.
struct Weights {
  memory user, internal;
  reorder move;
  bool reordered = false;

  Weights(const memory::desc& userMd, const memory::desc& want, bool toUser) : user(userMd, engine(), DNNL_MEMORY_NONE) {
    if (want == userMd) {
      internal = user;
      return;
    }
    reordered = true;
    internal = memory(want, engine());
    move = toUser ? reorder(internal, user) : reorder(user, internal);
  }
};

struct Forward {
  convolution_forward prim;
  memory src, dst;
  std::unique_ptr<Weights> w;
};

struct BackwardData {
  convolution_backward_data prim;
  memory diffDst, diffSrc;
  std::unique_ptr<Weights> w;
};

struct BackwardWeights {
  convolution_backward_weights prim;
  memory src, diffDst;
  std::unique_ptr<Weights> dw;
};

thread_local Cache<Forward> t_fwd;
thread_local Cache<BackwardData> t_bwdData;
thread_local Cache<BackwardWeights> t_bwdWeights;

// Entries that could not be made (a geometry oneDNN rejects) are cached as empty, so that the
// caller's fallback is not preceded by a failed descriptor search on every call.
template <class T, class Make>
std::shared_ptr<T> entry(Cache<T>& cache, int op, const std::vector<int64_t>& g, Make make) {
  auto key = keyOf(op, g);
  auto e = cache.get(key);
  if (e) return e;
  try {
    e = make();
  } catch (const dnnl::error&) {
    e = nullptr;  // arguments oneDNN rejects (a pad it cannot express): the caller falls back
  }
  if (!e) e = std::make_shared<T>();
  cache.put(key, e);
  return e;
}

std::shared_ptr<Forward> makeForward(const Geom& c) {
  auto pd = forwardPd(c);
  if (!pd) return nullptr;
  auto e = std::make_shared<Forward>();
  e->prim = convolution_forward(pd);
  e->src = memory(pd.src_desc(), engine(), DNNL_MEMORY_NONE);
  e->dst = memory(pd.dst_desc(), engine(), DNNL_MEMORY_NONE);
  e->w = std::make_unique<Weights>(md(c.wts, tag::hwio), pd.weights_desc(), false);
  return e;
}

std::shared_ptr<BackwardData> makeBackwardData(const Geom& c) {
  auto hint = forwardPd(c);
  if (!hint) return nullptr;
  convolution_backward_data::desc d(algorithm::convolution_direct, md(c.src, tag::nhwc), md(c.wts, tag::any), md(c.dst, tag::nhwc), c.strides, c.dil,
                                    c.pl, c.pr);
  convolution_backward_data::primitive_desc pd(d, engine(), hint, true);
  if (!pd) return nullptr;
  auto e = std::make_shared<BackwardData>();
  e->prim = convolution_backward_data(pd);
  e->diffDst = memory(pd.diff_dst_desc(), engine(), DNNL_MEMORY_NONE);
  e->diffSrc = memory(pd.diff_src_desc(), engine(), DNNL_MEMORY_NONE);
  e->w = std::make_unique<Weights>(md(c.wts, tag::hwio), pd.weights_desc(), false);
  return e;
}

std::shared_ptr<BackwardWeights> makeBackwardWeights(const Geom& c) {
  auto hint = forwardPd(c);
  if (!hint) return nullptr;
  convolution_backward_weights::desc d(algorithm::convolution_direct, md(c.src, tag::nhwc), md(c.wts, tag::any), md(c.dst, tag::nhwc), c.strides,
                                       c.dil, c.pl, c.pr);
  convolution_backward_weights::primitive_desc pd(d, engine(), hint, true);
  if (!pd) return nullptr;
  auto e = std::make_shared<BackwardWeights>();
  e->prim = convolution_backward_weights(pd);
  e->src = memory(pd.src_desc(), engine(), DNNL_MEMORY_NONE);
  e->diffDst = memory(pd.diff_dst_desc(), engine(), DNNL_MEMORY_NONE);
  e->dw = std::make_unique<Weights>(md(c.wts, tag::hwio), pd.diff_weights_desc(), true);
  return e;
}

// conv2d(heap, x, filter, y, geom): y = x ⋆ filter. Returns false where oneDNN has no kernel.
Napi::Value Conv2D(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto g = ints(env, info[4], G, "conv2d geometry");
  Geom c = geomOf(g);
  Heap h = heapOf(env, info[0]);
  float* x = at(env, h, info[1], c.srcN, "conv2d x");
  float* w = at(env, h, info[2], c.wtsN, "conv2d filter");
  float* y = at(env, h, info[3], c.dstN, "conv2d y");
  try {
    applyThreads();
    auto e = entry(t_fwd, 1, g, [&] { return makeForward(c); });
    if (!e->w) return Napi::Boolean::New(env, false);
    e->src.set_data_handle(x);
    e->dst.set_data_handle(y);
    e->w->user.set_data_handle(w);
    if (e->w->reordered) e->w->move.execute(stream(), e->w->user, e->w->internal);
    e->prim.execute(stream(), {{DNNL_ARG_SRC, e->src}, {DNNL_ARG_WEIGHTS, e->w->internal}, {DNNL_ARG_DST, e->dst}});
    stream().wait();
  } catch (const dnnl::error& err) {
    throw dnnlError(env, err, "conv2d");
  }
  return Napi::Boolean::New(env, true);
}

// conv2dBackwardData(heap, dy, filter, dx, geom): dx = ∂(x ⋆ filter)/∂x applied to dy.
Napi::Value Conv2DBackwardData(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto g = ints(env, info[4], G, "conv2dBackwardData geometry");
  Geom c = geomOf(g);
  Heap h = heapOf(env, info[0]);
  float* dy = at(env, h, info[1], c.dstN, "conv2dBackwardData dy");
  float* w = at(env, h, info[2], c.wtsN, "conv2dBackwardData filter");
  float* dx = at(env, h, info[3], c.srcN, "conv2dBackwardData dx");
  try {
    applyThreads();
    auto e = entry(t_bwdData, 2, g, [&] { return makeBackwardData(c); });
    if (!e->w) return Napi::Boolean::New(env, false);
    e->diffDst.set_data_handle(dy);
    e->diffSrc.set_data_handle(dx);
    e->w->user.set_data_handle(w);
    if (e->w->reordered) e->w->move.execute(stream(), e->w->user, e->w->internal);
    e->prim.execute(stream(), {{DNNL_ARG_DIFF_DST, e->diffDst}, {DNNL_ARG_WEIGHTS, e->w->internal}, {DNNL_ARG_DIFF_SRC, e->diffSrc}});
    stream().wait();
  } catch (const dnnl::error& err) {
    throw dnnlError(env, err, "conv2dBackwardData");
  }
  return Napi::Boolean::New(env, true);
}

// conv2dBackwardWeights(heap, x, dy, dw, geom): dw = ∂(x ⋆ filter)/∂filter applied to dy.
Napi::Value Conv2DBackwardWeights(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto g = ints(env, info[4], G, "conv2dBackwardWeights geometry");
  Geom c = geomOf(g);
  Heap h = heapOf(env, info[0]);
  float* x = at(env, h, info[1], c.srcN, "conv2dBackwardWeights x");
  float* dy = at(env, h, info[2], c.dstN, "conv2dBackwardWeights dy");
  float* dw = at(env, h, info[3], c.wtsN, "conv2dBackwardWeights dw");
  try {
    applyThreads();
    auto e = entry(t_bwdWeights, 3, g, [&] { return makeBackwardWeights(c); });
    if (!e->dw) return Napi::Boolean::New(env, false);
    e->src.set_data_handle(x);
    e->diffDst.set_data_handle(dy);
    e->dw->user.set_data_handle(dw);
    e->prim.execute(stream(), {{DNNL_ARG_SRC, e->src}, {DNNL_ARG_DIFF_DST, e->diffDst}, {DNNL_ARG_DIFF_WEIGHTS, e->dw->internal}});
    if (e->dw->reordered) e->dw->move.execute(stream(), e->dw->internal, e->dw->user);
    stream().wait();
  } catch (const dnnl::error& err) {
    throw dnnlError(env, err, "conv2dBackwardWeights");
  }
  return Napi::Boolean::New(env, true);
}

}  // namespace

void initConv(Napi::Env env, Napi::Object exports) {
  exports.Set("conv2d", Napi::Function::New(env, Conv2D, "conv2d"));
  exports.Set("conv2dBackwardData", Napi::Function::New(env, Conv2DBackwardData, "conv2dBackwardData"));
  exports.Set("conv2dBackwardWeights", Napi::Function::New(env, Conv2DBackwardWeights, "conv2dBackwardWeights"));
}

}  // namespace sl
