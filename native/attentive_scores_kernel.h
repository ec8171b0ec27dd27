// The fused MAML pair score (attentive_scores.h). Per user, items go in tiles of ROWS: each item's
// hidden row — tanh of the user's and the item's precomputed parts, scaled by the pair's norm — is
// written to a ROWS × hidden block that stays in L1, multiplied there by the output weights (packed
// panels, register-tiled like dot_top_k_kernel.h), and each row of the product is turned into the
// pair's score. exp and tanh are evaluated in vectors (range reduction by ln 2, a degree-6
// polynomial): within a few float roundings of ONNX Runtime's.
//
// Included by one file per instruction set, after that file's `#pragma GCC target`; file-local.
#include <cmath>
#include <cstring>
#include "attentive_scores.h"
#include "tiles.h"

namespace {

/** e^x, x clamped to [−87, 88]: 2^n · e^r with n = round(x / ln 2) and |r| ≤ ln 2 / 2. */
template <typename V> inline V expVector(V x) {
  using I = decltype(x < x);
  x = x < splat<V>(-87.0f) ? splat<V>(-87.0f) : x;
  x = x > splat<V>(88.0f) ? splat<V>(88.0f) : x;
  const V magic = splat<V>(12582912.0f);  // 1.5 · 2²³: adding it rounds to an integer
  const V n = (x * 1.44269504f + magic) - magic;
  V r = x - n * 0.693359375f;             // ln 2 in two parts (Cody and Waite)
  r = r - n * -2.12194440e-4f;
  V p = splat<V>(1.0f / 720);
  p = p * r + 1.0f / 120;
  p = p * r + 1.0f / 24;
  p = p * r + 1.0f / 6;
  p = p * r + 0.5f;
  p = p * r + 1.0f;
  p = p * r + 1.0f;
  const I bits = (__builtin_convertvector(n, I) + 127) << 23;
  V scale;
  memcpy(&scale, &bits, sizeof(V));
  return p * scale;
}

/** tanh(x) = (e^{2x} − 1) / (e^{2x} + 1), x clamped to ±9 (where tanh is ±1 in float). */
template <typename V> inline V tanhVector(V x) {
  x = x < splat<V>(-9.0f) ? splat<V>(-9.0f) : x;
  x = x > splat<V>(9.0f) ? splat<V>(9.0f) : x;
  const V e = expVector(x + x);
  return (e - 1.0f) / (e + 1.0f);
}

/** The item side (v·W_v + p·W_p and ‖v‖² + ‖p‖²) of items [from, to). */
template <typename V, int ROWS, int COLS> void itemSides(const AttentiveScoresJob& job, int from, int to, float* scratch) {
  constexpr int W = COLS * lanesOf<V>();
  const int d = job.d;
  const size_t stride = static_cast<size_t>(3) * d * W;
  for (int i0 = from; i0 < to; i0 += ROWS) {
    const int rows = to - i0 < ROWS ? to - i0 : ROWS;
    const float* a = fullTile<ROWS>(job.items, 2 * d, i0, rows, scratch);
    timesPanels<V, ROWS, COLS>(a, 2 * d, rows, 2 * d, job.hiddenPanels + static_cast<size_t>(d) * W, stride, job.hidden / W,
                               job.itemHidden + static_cast<size_t>(i0) * job.hidden, job.hidden);
  }
  for (int i = from; i < to; i++) {
    const float* row = job.items + static_cast<size_t>(i) * 2 * d;
    float sv = 0, sp = 0;
    for (int k = 0; k < d; k++) sv += row[k] * row[k];
    for (int k = 0; k < d; k++) sp += row[d + k] * row[d + k];
    job.itemSquares[i] = sv + sp;
  }
}

template <typename V> inline float maxLanes(V v) {
  float m = v[0];
  for (int l = 1; l < lanesOf<V>(); l++) m = v[l] > m ? v[l] : m;
  return m;
}

/** One pair's score from its row of h·W_o (`z`, d values; overwritten), the reciprocal of ‖h‖, u and v. */
template <typename V> float pairScore(const AttentiveScoresJob& job, float* z, float inverseNorm, const float* u, const float* v) {
  constexpr int L = lanesOf<V>();
  const int d = job.d, whole = d / L * L;
  const V zero = {};
  V tops = splat<V>(-INFINITY);
  for (int k = 0; k < whole; k += L) {
    V y = loadVector<V>(z + k) * inverseNorm + loadVector<V>(job.outBias + k);
    y = y > zero ? y : zero;
    storeVector(z + k, y);
    tops = y > tops ? y : tops;
  }
  float top = whole ? maxLanes(tops) : -INFINITY;
  for (int k = whole; k < d; k++) {
    const float y = z[k] * inverseNorm + job.outBias[k];
    z[k] = y > 0 ? y : 0;
    top = z[k] > top ? z[k] : top;
  }
  V sums = {};
  for (int k = 0; k < whole; k += L) {
    const V e = expVector(loadVector<V>(z + k) - top);
    storeVector(z + k, e);
    sums += e;
  }
  float sum = sumLanes(sums);
  for (int k = whole; k < d; k++) {
    V one = {};
    one[0] = z[k] - top;
    z[k] = expVector(one)[0];
    sum += z[k];
  }
  const float scale = static_cast<float>(d) / sum;
  V dists = {};
  for (int k = 0; k < whole; k += L) {
    const V a = loadVector<V>(z + k) * scale, diff = loadVector<V>(u + k) - loadVector<V>(v + k);
    dists += a * a * (diff * diff);
  }
  float dist = sumLanes(dists);
  for (int k = whole; k < d; k++) {
    const float a = z[k] * scale, diff = u[k] - v[k];
    dist += a * a * (diff * diff);
  }
  return -dist;
}

/** Users [from, to): their side, then every item's score. */
template <typename V, int ROWS, int COLS> void userScores(const AttentiveScoresJob& job, int from, int to, float* scratch) {
  constexpr int L = lanesOf<V>(), W = COLS * L;
  const int d = job.d, H = job.hidden, N = job.nItems;
  const size_t hiddenStride = static_cast<size_t>(3) * d * W, outStride = static_cast<size_t>(H) * W;
  float* block = scratch;                         // [ROWS, H]: the tile's hidden rows
  float* z = block + static_cast<size_t>(ROWS) * H;  // [ROWS, outWidth]
  float* tail = z + static_cast<size_t>(ROWS) * job.outWidth;  // [ROWS, 2d]
  const float floor = job.eps * job.eps;
  for (int u0 = from; u0 < to; u0 += ROWS) {
    const int rows = to - u0 < ROWS ? to - u0 : ROWS;
    timesPanels<V, ROWS, COLS>(fullTile<ROWS>(job.users, d, u0, rows, tail), d, rows, d, job.hiddenPanels, hiddenStride, H / W,
                               job.userHidden + static_cast<size_t>(u0) * H, H);
    for (int u = u0; u < u0 + rows; u++) {
      float s = 0;
      for (int k = 0; k < d; k++) s += job.users[static_cast<size_t>(u) * d + k] * job.users[static_cast<size_t>(u) * d + k];
      job.userSquares[u] = s;
    }
  }
  memset(block, 0, sizeof(float) * ROWS * H);
  for (int u = from; u < to; u++) {
    const float* uh = job.userHidden + static_cast<size_t>(u) * H;
    const float* ur = job.users + static_cast<size_t>(u) * d;
    float* out = job.scores + static_cast<size_t>(u) * N;
    for (int i0 = 0; i0 < N; i0 += ROWS) {
      const int rows = N - i0 < ROWS ? N - i0 : ROWS;
      float inverse[ROWS];
      for (int r = 0; r < rows; r++) {
        const int i = i0 + r;
        const float sq = job.userSquares[u] + job.itemSquares[i];
        const float inverseNorm = 1.0f / std::sqrt(sq > floor ? sq : floor);
        const float* ih = job.itemHidden + static_cast<size_t>(i) * H;
        float* h = block + static_cast<size_t>(r) * H;
        V squares = {};
        for (int j = 0; j < H; j += L) {
          const V t = tanhVector((loadVector<V>(uh + j) + loadVector<V>(ih + j)) * inverseNorm + loadVector<V>(job.hiddenBias + j));
          storeVector(h + j, t);
          squares += t * t;
        }
        const float hs = sumLanes(squares);
        inverse[r] = 1.0f / std::sqrt(hs > floor ? hs : floor);
      }
      timesPanels<V, ROWS, COLS>(block, H, rows, H, job.outPanels, outStride, job.outWidth / W, z, job.outWidth);
      for (int r = 0; r < rows; r++) {
        out[i0 + r] = pairScore<V>(job, z + static_cast<size_t>(r) * job.outWidth, inverse[r], ur, job.items + static_cast<size_t>(i0 + r) * 2 * d);
      }
    }
  }
}

}  // namespace
