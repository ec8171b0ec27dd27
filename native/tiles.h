// Register-tiled building blocks of the fused pair-score kernels: lane counts, splats and lane sums
// (attentive_scores_kernel.h, tower_scores_kernel.h), a tile of rows times packed weight panels and a
// zero-padded tile of rows (attentive_scores_kernel.h). File-local like vectors.h, which it includes; each isa_*.cc
// file includes it once, after its target is set.
#pragma once
#include <cstring>
#include "vectors.h"

namespace {

template <typename V> constexpr int lanesOf() { return sizeof(V) / sizeof(float); }
/** x in every lane. x − (+0) is x for every x, so the compiler drops the subtraction; `V{} + x` would
 *  keep its add ((+0) + (−0) = +0), and with it a register: the tower kernel's AVX2 path spilled. */
template <typename V> inline V splat(float x) { return x - V{}; }

template <typename V> inline float sumLanes(V v) {
  float s = 0;
  for (int l = 0; l < lanesOf<V>(); l++) s += v[l];
  return s;
}

/**
 * C[r, ·] = A[r, 0..K) · B for r < rows, B the panels (each [K][COLS·L], `stride` floats apart) over
 * nPanels · COLS · L columns. A must have ROWS readable rows (lda apart).
 */
template <typename V, int ROWS, int COLS>
void timesPanels(const float* A, int lda, int rows, int K, const float* panels, size_t stride, int nPanels, float* C, int ldc) {
  constexpr int L = lanesOf<V>();
  for (int p = 0; p < nPanels; p++) {
    const float* B = panels + p * stride;
    V acc[ROWS][COLS] = {};
    for (int k = 0; k < K; k++) {
      V w[COLS];
#pragma GCC unroll 4
      for (int c = 0; c < COLS; c++) w[c] = loadVector<V>(B + static_cast<size_t>(k) * COLS * L + c * L);
#pragma GCC unroll 8
      for (int r = 0; r < ROWS; r++) {
        const float a = A[static_cast<size_t>(r) * lda + k];
#pragma GCC unroll 4
        for (int c = 0; c < COLS; c++) acc[r][c] += a * w[c];
      }
    }
    V tile[ROWS][COLS];
    copyTile(tile, acc);
    for (int r = 0; r < rows; r++)
      for (int c = 0; c < COLS; c++) storeVector(C + static_cast<size_t>(r) * ldc + p * COLS * L + c * L, tile[r][c]);
  }
}

/** Rows [from, from + rows) of `x` (`width` apart) as a ROWS-row block: in place, or copied to scratch and zero-padded. */
template <int ROWS> const float* fullTile(const float* x, int width, int from, int rows, float* scratch) {
  if (rows == ROWS) return x + static_cast<size_t>(from) * width;
  memset(scratch, 0, sizeof(float) * ROWS * width);
  memcpy(scratch, x + static_cast<size_t>(from) * width, sizeof(float) * rows * width);
  return scratch;
}

}  // namespace
