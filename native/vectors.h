// The vector types, the unaligned vector loads and stores and the tile copy shared by the
// per-instruction-set kernels (dot_top_k_kernel.h, row_sums_kernel.h, adam_kernel.h,
// attentive_scores_kernel.h). File-local like them (unnamed namespace); each isa_*.cc file includes
// it once, after its target is set.
#pragma once
#include <cstring>

namespace {

typedef float f32x16 __attribute__((vector_size(64)));
typedef float f32x8 __attribute__((vector_size(32)));
typedef float f32x4 __attribute__((vector_size(16)));

template <typename V> inline V loadVector(const float* p) { V v; memcpy(&v, p, sizeof(V)); return v; }
template <typename V> inline void storeVector(float* p, V v) { memcpy(p, &v, sizeof(V)); }

/**
 * A register tile of accumulators copied out with constant indices only, so that the tile itself
 * stays in registers while it is computed (the tiled products of dot_top_k_kernel.h and
 * attentive_scores_kernel.h).
 */
template <typename V, int R, int C> inline void copyTile(V (&out)[R][C], const V (&in)[R][C]) {
#pragma GCC unroll 16
  for (int r = 0; r < R; r++)
#pragma GCC unroll 4
    for (int c = 0; c < C; c++) out[r][c] = in[r][c];
}

}  // namespace
