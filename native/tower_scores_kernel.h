// The fused NeuMF pair score (tower_scores.h). The first layer splits over the pair (p′·W1[:d] + b1
// per user, q′·W1[d:] per item, each computed once); per user, items go in tiles of ROWS: each
// item's hidden row relu(user part + item part) is written to a ROWS × first block that stays in L1,
// multiplied there by W2 (packed panels, tiles.h), and each row of the product becomes the pair's
// score with the GMF term beside it. The same function as the ONNX scorer's (NeuMfModel.scoreLogits)
// up to float rounding: its sums run in another order.
//
// Included by one file per instruction set, after that file's `#pragma GCC target`; file-local.
#include <cstring>
#include "tower_scores.h"
#include "tiles.h"

namespace {

/** Rows of q′·W1[d:] (items) or p′·W1[:d] + b1 (users) for rows [from, to) of `rows` ([n, 2d]). */
template <typename V, int ROWS, int COLS> void towerFirstLayer(const TowerScoresJob& job, const float* rows, bool users, float* out, int from, int to, float* scratch) {
  constexpr int W = COLS * lanesOf<V>();
  const int d = job.d;
  const size_t stride = static_cast<size_t>(2) * d * W;
  const float* panels = job.firstPanels + (users ? 0 : static_cast<size_t>(d) * W);
  for (int r0 = from; r0 < to; r0 += ROWS) {
    const int n = to - r0 < ROWS ? to - r0 : ROWS;
    const float* a = fullTile<ROWS>(rows, 2 * d, r0, n, scratch);
    timesPanels<V, ROWS, COLS>(a + d, 2 * d, n, d, panels, stride, job.first / W, out + static_cast<size_t>(r0) * job.first, job.first);
  }
  if (!users) return;
  for (int r = from; r < to; r++)
    for (int k = 0; k < job.first; k += lanesOf<V>()) {
      float* row = out + static_cast<size_t>(r) * job.first + k;
      storeVector(row, loadVector<V>(row) + loadVector<V>(job.firstBias + k));
    }
}

template <typename V, int ROWS, int COLS> void towerItems(const TowerScoresJob& job, int from, int to, float* scratch) {
  towerFirstLayer<V, ROWS, COLS>(job, job.items, false, job.itemFirst, from, to, scratch);
}

inline float laneSum(f32x4 v) { return (v[0] + v[2]) + (v[1] + v[3]); }
inline float laneSum(f32x8 v) {
  f32x4 lo, hi;
  memcpy(&lo, &v, sizeof lo);
  memcpy(&hi, reinterpret_cast<const char*>(&v) + sizeof lo, sizeof hi);
  return laneSum(lo + hi);
}
inline float laneSum(f32x16 v) {
  f32x8 lo, hi;
  memcpy(&lo, &v, sizeof lo);
  memcpy(&hi, reinterpret_cast<const char*>(&v) + sizeof lo, sizeof hi);
  return laneSum(lo + hi);
}

/**
 * Users [from, to): their side, then every item's score. Users go in blocks of TOWER_USER_BLOCK and
 * items in tiles of ROWS, so a tile's item rows are read once from memory for the whole block.
 */
template <typename V, int ROWS, int COLS> void towerUsers(const TowerScoresJob& job, int from, int to, float* scratch) {
  constexpr int L = lanesOf<V>(), W = COLS * L;
  const int d = job.d, F = job.first, S = job.second, N = job.nItems, whole = d / L * L;
  float* block = scratch;                            // [ROWS, F]: the tile's hidden rows
  float* z = block + static_cast<size_t>(ROWS) * F;  // [ROWS, S]
  float* tail = z + static_cast<size_t>(ROWS) * S;   // [ROWS, 2d]: a partial tile, zero-padded
  float* weighted = tail + static_cast<size_t>(ROWS) * 2 * d;  // [TOWER_USER_BLOCK, d]: p ⊙ h[0, d)
  towerFirstLayer<V, ROWS, COLS>(job, job.users, true, job.userFirst, from, to, tail);
  memset(block, 0, sizeof(float) * ROWS * F);
  const V zero = {};
  for (int u0 = from; u0 < to; u0 += TOWER_USER_BLOCK) {
    const int u1 = to - u0 < TOWER_USER_BLOCK ? to : u0 + TOWER_USER_BLOCK;
    for (int u = u0; u < u1; u++)
      for (int k = 0; k < d; k++) weighted[static_cast<size_t>(u - u0) * d + k] = job.users[static_cast<size_t>(u) * 2 * d + k] * job.gmfWeight[k];
    for (int i0 = 0; i0 < N; i0 += ROWS) {
      const int rows = N - i0 < ROWS ? N - i0 : ROWS;
      for (int u = u0; u < u1; u++) {
        const float* uf = job.userFirst + static_cast<size_t>(u) * F;
        const float* wu = weighted + static_cast<size_t>(u - u0) * d;
        for (int r = 0; r < rows; r++) {
          const float* itf = job.itemFirst + static_cast<size_t>(i0 + r) * F;
          float* h = block + static_cast<size_t>(r) * F;
          for (int k = 0; k < F; k += L) {
            const V a = loadVector<V>(uf + k) + loadVector<V>(itf + k);
            storeVector(h + k, a > zero ? a : zero);
          }
        }
        timesPanels<V, ROWS, COLS>(block, F, rows, F, job.secondPanels, static_cast<size_t>(F) * W, S / W, z, S);
        float* out = job.scores + static_cast<size_t>(u) * N + i0;
        for (int r = 0; r < rows; r++) {
          // The MLP term's and the GMF term's products summed lane-wise, then across the lanes once.
          const float* zr = z + static_cast<size_t>(r) * S;
          const float* q = job.items + static_cast<size_t>(i0 + r) * 2 * d;
          V acc = {};
          for (int j = 0; j < S; j += L) {
            const V t = loadVector<V>(zr + j) + loadVector<V>(job.secondBias + j);
            acc += (t > zero ? t : zero) * loadVector<V>(job.mlpWeight + j);
          }
          for (int k = 0; k < whole; k += L) acc += loadVector<V>(wu + k) * loadVector<V>(q + k);
          float sum = laneSum(acc);
          for (int k = whole; k < d; k++) sum += wu[k] * q[k];
          out[r] = sum + job.bias;
        }
      }
    }
  }
}

}  // namespace
