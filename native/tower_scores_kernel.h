// The fused NeuMF pair score (tower_scores.h), with a block of items in the lanes of a vector. The
// first layer splits over the pair (p′·W1[:d] + b1 per user, q′·W1[d:] per item block, each once).
// For one user and PASS blocks of items, each hidden unit k is relu(user part_k + the items' parts_k) —
// one vector a block — and feeds a group of GROUP accumulators a block (the second layer's outputs j,
// one vector of items each) through W2[k][j] broadcast; relu(t_j + b2_j)·h_{d+j} and the GMF term add
// up in one more vector, which is the block's scores. Nothing per pair is summed across lanes or
// stored. Users go in blocks of TOWER_USER_BLOCK, so a block of items is read once per user block. The same
// function as the ONNX scorer's (NeuMfModel.scoreLogits) up to float rounding: its sums run in
// another order.
//
// Included by one file per instruction set, after that file's `#pragma GCC target`; file-local.
#include <cstring>
#include "tower_scores.h"
#include "tiles.h"

namespace {

/** Blocks [from, to) of lanesOf<V>() items: q′·W1[d:] and q, transposed to [d][lanes] (zeros past the last item). */
template <typename V> void towerItems(const TowerScoresJob& job, int from, int to, float* scratch) {
  constexpr int L = lanesOf<V>();
  const int d = job.d;
  float* mlp = scratch;  // [d][L]: q′ of the block's items
  for (int b = from; b < to; b++) {
    float* gmf = job.itemGmf + static_cast<size_t>(b) * d * L;
    float* first = job.itemFirst + static_cast<size_t>(b) * d * L;
    memset(mlp, 0, sizeof(float) * d * L);
    memset(gmf, 0, sizeof(float) * d * L);
    for (int l = 0; l < L && b * L + l < job.nItems; l++) {
      const float* row = job.items + static_cast<size_t>(b * L + l) * 2 * d;
      for (int m = 0; m < d; m++) { gmf[m * L + l] = row[m]; mlp[m * L + l] = row[d + m]; }
    }
    for (int k = 0; k < d; k++) {
      V acc = {};
      for (int m = 0; m < d; m++) acc += loadVector<V>(mlp + m * L) * job.w1[static_cast<size_t>(d + m) * d + k];
      storeVector(first + k * L, acc);
    }
  }
}

/** Users [from, to): their side (p′·W1[:d] + b1, and p ⊙ h[0, d)), then every item's score, PASS vectors of items at a time. */
template <typename V, int GROUP, int PASS> void towerUsers(const TowerScoresJob& job, int from, int to, float* scratch) {
  constexpr int L = lanesOf<V>();
  const int d = job.d, N = job.nItems;
  float* userFirst = scratch;                                                // [TOWER_USER_BLOCK, d]
  float* weighted = userFirst + static_cast<size_t>(TOWER_USER_BLOCK) * d;  // [TOWER_USER_BLOCK, d]
  const V zero = {};
  for (int u0 = from; u0 < to; u0 += TOWER_USER_BLOCK) {
    const int u1 = to - u0 < TOWER_USER_BLOCK ? to : u0 + TOWER_USER_BLOCK;
    for (int u = u0; u < u1; u++) {
      const float* row = job.users + static_cast<size_t>(u) * 2 * d;
      float* uf = userFirst + static_cast<size_t>(u - u0) * d;
      for (int k = 0; k < d; k++) uf[k] = job.b1[k];
      for (int m = 0; m < d; m++)
        for (int k = 0; k < d; k++) uf[k] += row[d + m] * job.w1[static_cast<size_t>(m) * d + k];
      for (int k = 0; k < d; k++) weighted[static_cast<size_t>(u - u0) * d + k] = row[k] * job.gmfWeight[k];
    }
    for (int b = 0; b < job.blocks; b += PASS) {
      const float* first = job.itemFirst + static_cast<size_t>(b) * d * L;  // PASS blocks, one after the other
      const float* gmf = job.itemGmf + static_cast<size_t>(b) * d * L;
      for (int u = u0; u < u1; u++) {
        const float* uf = userFirst + static_cast<size_t>(u - u0) * d;
        const float* wu = weighted + static_cast<size_t>(u - u0) * d;
        V score[PASS];
#pragma GCC unroll 4
        for (int t = 0; t < PASS; t++) score[t] = splat<V>(job.bias);
        for (int j0 = 0; j0 < job.d2; j0 += GROUP) {
          V acc[PASS][GROUP];
#pragma GCC unroll 4
          for (int t = 0; t < PASS; t++)
#pragma GCC unroll 16
            for (int g = 0; g < GROUP; g++) acc[t][g] = splat<V>(job.b2[j0 + g]);
          for (int k = 0; k < d; k++) {
            V a[PASS];
#pragma GCC unroll 4
            for (int t = 0; t < PASS; t++) {
              a[t] = loadVector<V>(first + (static_cast<size_t>(t) * d + k) * L) + uf[k];
              a[t] = a[t] > zero ? a[t] : zero;
            }
            const float* w = job.w2 + static_cast<size_t>(k) * job.d2 + j0;
#pragma GCC unroll 16
            for (int g = 0; g < GROUP; g++) {
              if constexpr (PASS == 1) {
                acc[0][g] += a[0] * w[g];  // the broadcast folds into the FMA's memory operand (AVX-512)
              } else {
                const V wg = splat<V>(w[g]);
#pragma GCC unroll 4
                for (int t = 0; t < PASS; t++) acc[t][g] += a[t] * wg;
              }
            }
          }
#pragma GCC unroll 4
          for (int t = 0; t < PASS; t++)
#pragma GCC unroll 16
            for (int g = 0; g < GROUP; g++) score[t] += (acc[t][g] > zero ? acc[t][g] : zero) * job.mlpWeight[j0 + g];
        }
#pragma GCC unroll 4
        for (int t = 0; t < PASS; t++) {
          for (int k = 0; k < d; k++) score[t] += loadVector<V>(gmf + (static_cast<size_t>(t) * d + k) * L) * wu[k];
          const int i0 = (b + t) * L, n = N - i0 < L ? N - i0 : L;
          float* out = job.scores + static_cast<size_t>(u) * N + i0;
          if (n == L) storeVector(out, score[t]);
          else for (int l = 0; l < n; l++) out[l] = score[t][l];
        }
      }
    }
  }
}

}  // namespace
