// Adam's update (adam.h) over vectors of V lanes, written once for every vector width. Every lane
// does the scalar update's float32 operations in its order (adam.cc, and the train-step graph's
// optimiser): products are rounded before they are added (`rounded` keeps the compiler from fusing a
// multiply and an add, which -ffp-contract=fast would otherwise do where FMA exists), and division and
// square root are IEEE's — so the result is the scalar update's to the bit. Returns where the vectors
// stopped; the caller finishes the tail (under one vector) with the scalar update.
//
// Included by one file per instruction set, after its `#pragma GCC target`; file-local like the
// other kernels (see dot_top_k_kernel.h).
#include <immintrin.h>
#include "adam.h"
#include "vectors.h"

namespace {

inline f32x16 sqrtOf(f32x16 v) { return reinterpret_cast<f32x16>(_mm512_sqrt_ps(reinterpret_cast<__m512>(v))); }
inline f32x8 sqrtOf(f32x8 v) { return reinterpret_cast<f32x8>(_mm256_sqrt_ps(reinterpret_cast<__m256>(v))); }
inline f32x4 sqrtOf(f32x4 v) { return reinterpret_cast<f32x4>(_mm_sqrt_ps(reinterpret_cast<__m128>(v))); }

/** x as it stands in a register: an operation on it cannot be fused with the one that made it. */
template <typename V> inline V rounded(V x) {
  __asm__("" : "+v"(x));
  return x;
}

template <typename V, bool EXTRA, bool DECAY> size_t adamLanes(const AdamJob& job, size_t from, size_t to) {
  constexpr size_t lanes = sizeof(V) / sizeof(float);
  const AdamHyper& h = job.h;
  size_t j = from;
  for (; j + lanes <= to; j += lanes) {
    V g = loadVector<V>(job.grad + j);
    if (EXTRA) g = loadVector<V>(job.extra + j) + g;
    const V p = loadVector<V>(job.param + j);
    if (DECAY) g = g + rounded(p * h.weightDecay);
    const V m = rounded(loadVector<V>(job.m + j) * h.beta1) + rounded(g * h.oneMinusBeta1);
    const V v = rounded(loadVector<V>(job.v + j) * h.beta2) + rounded((g * g) * h.oneMinusBeta2);
    const V denom = sqrtOf(v) / h.sqrtBc2 + h.eps;
    storeVector(job.m + j, m);
    storeVector(job.v + j, v);
    storeVector(job.param + j, p - rounded((m / denom) * h.stepSize));
  }
  return j;
}

/** Adam over [from, to) in vectors of V; returns the first index left for the scalar update. */
template <typename V> size_t adamVectors(const AdamJob& job, size_t from, size_t to) {
  const bool decay = job.h.weightDecay != 0;
  if (job.extra) return decay ? adamLanes<V, true, true>(job, from, to) : adamLanes<V, true, false>(job, from, to);
  return decay ? adamLanes<V, false, true>(job, from, to) : adamLanes<V, false, false>(job, from, to);
}

}  // namespace
