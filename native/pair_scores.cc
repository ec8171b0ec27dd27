// The fused pair-score kernels' bindings (see addon.cc for the module's functions):
//   attentiveScores(users, items, d, hiddenWeight, hiddenBias, outWeight, outBias, eps, threads, out)
//   towerScores(users, items, d, w1, b1, w2, b2, predict, bias, threads, out)
// fill out [nUsers, nItems] with MAML's (attentive_scores.h) or NeuMF's (tower_scores.h) pair score
// of every user row against every item row, the weights row-major [in, out];
//   rankRows(scores, n, k, excludedPtr, excludedItems, threads, outItems, outScores)
// each row's best k items of scores [rows, n] outside its excluded ones, best first (ties to the lower
// item), −1 / −∞ where fewer are left; returns −1, or the flat index of the first NaN score.
#include <node_api.h>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <thread>
#include <vector>
#include "napi_util.h"
#include "pair_scores.h"
#include "attentive_scores.h"
#include "tower_scores.h"

namespace {

/** Weights [rows, cols] (row-major) as zero-padded panels [ceil(cols / width)][rows][width]. */
std::vector<float> panelsOf(const float* w, int rows, int cols, int width) {
  const int panels = (cols + width - 1) / width;
  std::vector<float> out(static_cast<size_t>(panels) * rows * width, 0.0f);
  for (int r = 0; r < rows; r++)
    for (int c = 0; c < cols; c++) out[(static_cast<size_t>(c / width) * rows + r) * width + c % width] = w[static_cast<size_t>(r) * cols + c];
  return out;
}

/** Runs kernel(job, from, to, scratch) over [0, n) on up to `threads` threads, each with its own scratch. */
template <typename Job> void overRange(void (*kernel)(const Job&, int, int, float*), const Job& job, int n, int threads, size_t scratchFloats) {
  const int workers = std::max(1, std::min(threads, n));
  const int share = (n + workers - 1) / workers;
  std::vector<float> scratch(static_cast<size_t>(workers) * scratchFloats);
  std::vector<std::thread> pool;
  for (int t = 1; t < workers && t * share < n; t++) pool.emplace_back(kernel, std::cref(job), t * share, std::min(n, (t + 1) * share), scratch.data() + t * scratchFloats);
  kernel(job, 0, std::min(n, share), scratch.data());
  for (auto& worker : pool) worker.join();
}

}  // namespace

napi_value AttentiveScores(napi_env env, napi_callback_info info) {
  napi_value a[10];
  const char* name = "attentiveScores";
  if (!arguments(env, info, a)) return fail(env, name, "expected 10 arguments");
  float *users, *items, *hiddenWeight, *hiddenBias, *outWeight, *outBias, *out;
  size_t nUsersD, nItems2D, nHW, nHB, nOW, nOB, nOut;
  int32_t d, threads;
  double eps;
  if (!typedArray(env, a[0], napi_float32_array, &users, &nUsersD) || !typedArray(env, a[1], napi_float32_array, &items, &nItems2D)) return fail(env, name, "users and items must be Float32Arrays");
  if (!int32Arg(env, a[2], &d) || d < 1 || nUsersD % d != 0 || nItems2D % (2 * d) != 0) return fail(env, name, "need d ≥ 1, users of whole [d] rows and items of whole [2d] rows");
  if (!typedArray(env, a[3], napi_float32_array, &hiddenWeight, &nHW) || !typedArray(env, a[4], napi_float32_array, &hiddenBias, &nHB)
      || !typedArray(env, a[5], napi_float32_array, &outWeight, &nOW) || !typedArray(env, a[6], napi_float32_array, &outBias, &nOB)) return fail(env, name, "weights and biases must be Float32Arrays");
  const int H = static_cast<int>(nHB);
  if (H < 1 || nHW != static_cast<size_t>(3) * d * H || nOW != static_cast<size_t>(H) * d || nOB != static_cast<size_t>(d)) return fail(env, name, "need hiddenWeight [3d, H], hiddenBias [H], outWeight [H, d], outBias [d]");
  if (napi_get_value_double(env, a[7], &eps) != napi_ok || !(eps > 0)) return fail(env, name, "eps must be a positive number");
  if (!int32Arg(env, a[8], &threads)) return fail(env, name, "threads must be an integer");
  const int nUsers = static_cast<int>(nUsersD / d), nItems = static_cast<int>(nItems2D / (2 * d));
  if (!typedArray(env, a[9], napi_float32_array, &out, &nOut) || nOut != static_cast<size_t>(nUsers) * nItems) return fail(env, name, "out must be a Float32Array of nUsers × nItems");
  const Isa isa = widestIsa();
  const int width = byIsa(isa, ATTENTIVE_WIDTH_AVX512, ATTENTIVE_WIDTH_AVX2, ATTENTIVE_WIDTH_SSE2);
  const int hidden = (H + width - 1) / width * width, outWidth = (d + width - 1) / width * width;
  std::vector<float> paddedBias(hidden, 0.0f);
  std::copy(hiddenBias, hiddenBias + H, paddedBias.begin());
  const std::vector<float> hiddenPanels = panelsOf(hiddenWeight, 3 * d, H, width);
  std::vector<float> outRows(static_cast<size_t>(hidden) * d, 0.0f);  // [hidden, d]: the padding's rows are 0
  std::copy(outWeight, outWeight + nOW, outRows.begin());
  const std::vector<float> outPanels = panelsOf(outRows.data(), hidden, d, width);
  std::vector<float> userHidden(static_cast<size_t>(nUsers) * hidden), userSquares(nUsers), itemHidden(static_cast<size_t>(nItems) * hidden), itemSquares(nItems);
  const AttentiveScoresJob job{users, nUsers, items, nItems, d, hidden, hiddenPanels.data(), paddedBias.data(), outPanels.data(), outWidth, outBias,
                               static_cast<float>(eps), userHidden.data(), userSquares.data(), itemHidden.data(), itemSquares.data(), out};
  const size_t scratch = static_cast<size_t>(ATTENTIVE_ROWS) * (hidden + outWidth + 2 * d);
  overRange(byIsa(isa, attentiveItemsAvx512, attentiveItemsAvx2, attentiveItemsSse2), job, nItems, threads, scratch);
  overRange(byIsa(isa, attentiveUsersAvx512, attentiveUsersAvx2, attentiveUsersSse2), job, nUsers, threads, scratch);
  return nullptr;
}

napi_value TowerScores(napi_env env, napi_callback_info info) {
  napi_value a[11];
  const char* name = "towerScores";
  if (!arguments(env, info, a)) return fail(env, name, "expected 11 arguments");
  float *users, *items, *w1, *b1, *w2, *b2, *predict, *out;
  size_t nUsers2D, nItems2D, nW1, nB1, nW2, nB2, nPredict, nOut;
  int32_t d, threads;
  double bias;
  if (!typedArray(env, a[0], napi_float32_array, &users, &nUsers2D) || !typedArray(env, a[1], napi_float32_array, &items, &nItems2D)) return fail(env, name, "users and items must be Float32Arrays");
  if (!int32Arg(env, a[2], &d) || d < 1 || nUsers2D % (2 * d) != 0 || nItems2D % (2 * d) != 0) return fail(env, name, "need d ≥ 1 and users and items of whole [2d] rows");
  if (!typedArray(env, a[3], napi_float32_array, &w1, &nW1) || !typedArray(env, a[4], napi_float32_array, &b1, &nB1) || !typedArray(env, a[5], napi_float32_array, &w2, &nW2)
      || !typedArray(env, a[6], napi_float32_array, &b2, &nB2) || !typedArray(env, a[7], napi_float32_array, &predict, &nPredict)) return fail(env, name, "weights and biases must be Float32Arrays");
  const int d2 = static_cast<int>(nB2);
  if (nW1 != static_cast<size_t>(2) * d * d || nB1 != static_cast<size_t>(d) || d2 < 1 || nW2 != static_cast<size_t>(d) * d2 || nPredict != static_cast<size_t>(d) + d2) return fail(env, name, "need w1 [2d, d], b1 [d], w2 [d, d2], b2 [d2], predict [d + d2]");
  if (napi_get_value_double(env, a[8], &bias) != napi_ok) return fail(env, name, "bias must be a number");
  if (!int32Arg(env, a[9], &threads)) return fail(env, name, "threads must be an integer");
  const int nUsers = static_cast<int>(nUsers2D / (2 * d)), nItems = static_cast<int>(nItems2D / (2 * d));
  if (!typedArray(env, a[10], napi_float32_array, &out, &nOut) || nOut != static_cast<size_t>(nUsers) * nItems) return fail(env, name, "out must be a Float32Array of nUsers × nItems");
  const Isa isa = widestIsa();
  const int lanes = byIsa(isa, TOWER_LANES_AVX512, TOWER_LANES_AVX2, TOWER_LANES_SSE2);
  const int group = byIsa(isa, TOWER_GROUP_AVX512, TOWER_GROUP_AVX2, TOWER_GROUP_SSE2);
  const int pass = byIsa(isa, TOWER_PASS_AVX512, TOWER_PASS_AVX2, TOWER_PASS_SSE2);
  const int second = (d2 + group - 1) / group * group, blocks = ((nItems + lanes - 1) / lanes + pass - 1) / pass * pass;
  std::vector<float> w2Padded(static_cast<size_t>(d) * second, 0.0f), b2Padded(second, 0.0f), mlpWeight(second, 0.0f);
  for (int k = 0; k < d; k++) std::copy(w2 + static_cast<size_t>(k) * d2, w2 + static_cast<size_t>(k + 1) * d2, w2Padded.begin() + static_cast<size_t>(k) * second);
  std::copy(b2, b2 + d2, b2Padded.begin());
  std::copy(predict + d, predict + d + d2, mlpWeight.begin());
  std::vector<float> itemFirst(static_cast<size_t>(blocks) * d * lanes), itemGmf(static_cast<size_t>(blocks) * d * lanes);
  const TowerScoresJob job{users, nUsers, items, nItems, d, w1, b1, second, w2Padded.data(), b2Padded.data(), predict, mlpWeight.data(),
                           static_cast<float>(bias), blocks, itemFirst.data(), itemGmf.data(), out};
  const size_t scratch = static_cast<size_t>(towerScratchFloats(job));
  overRange(byIsa(isa, towerItemsAvx512, towerItemsAvx2, towerItemsSse2), job, blocks, threads, scratch);
  overRange(byIsa(isa, towerUsersAvx512, towerUsersAvx2, towerUsersSse2), job, nUsers, threads, scratch);
  return nullptr;
}

namespace {

/** Whether (s, i) ranks above (t, j): a higher score, or the same score and a lower item. */
inline bool above(float s, int32_t i, float t, int32_t j) { return s > t || (s == t && i < j); }

/**
 * Rows [from, to) of `scores` ([rows, n]): each row's best k items outside its excluded ones
 * (excluded[ptr[r] .. ptr[r + 1]), ascending), best first, −1 / −∞ where fewer are left. A heap of the
 * k best so far, its worst at the root: most items are turned away by one comparison with the root.
 * A NaN score stops the row; its flat index lands in *nan (the lowest over rows).
 */
void rankRange(const float* scores, int n, int k, const int32_t* ptr, const int32_t* excluded, int32_t* outItems, float* outScores, int from, int to, int64_t* nan) {
  std::vector<float> hs(k);
  std::vector<int32_t> hi(k);
  std::vector<int32_t> order(k);
  for (int r = from; r < to; r++) {
    const float* s = scores + static_cast<size_t>(r) * n;
    int size = 0, e = ptr[r];
    bool bad = false;
    for (int i = 0; i < n; i++) {
      if (e < ptr[r + 1] && excluded[e] == i) { e++; continue; }
      const float x = s[i];
      if (x != x) { bad = true; if (*nan < 0 || static_cast<int64_t>(r) * n + i < *nan) *nan = static_cast<int64_t>(r) * n + i; break; }
      if (size < k) {  // sift up: the worst rises to the root
        int c = size++;
        while (c > 0) {
          const int p = (c - 1) / 2;
          if (!above(hs[p], hi[p], x, i)) break;
          hs[c] = hs[p]; hi[c] = hi[p]; c = p;
        }
        hs[c] = x; hi[c] = i;
      } else if (above(x, i, hs[0], hi[0])) {  // sift down from the root
        int c = 0;
        for (;;) {
          int m = 2 * c + 1;
          if (m >= k) break;
          if (m + 1 < k && above(hs[m], hi[m], hs[m + 1], hi[m + 1])) m++;
          if (!above(x, i, hs[m], hi[m])) break;
          hs[c] = hs[m]; hi[c] = hi[m]; c = m;
        }
        hs[c] = x; hi[c] = i;
      }
    }
    if (bad) continue;
    for (int j = 0; j < size; j++) order[j] = j;
    std::sort(order.begin(), order.begin() + size, [&](int32_t a, int32_t b) { return above(hs[a], hi[a], hs[b], hi[b]); });
    for (int j = 0; j < k; j++) {
      outItems[static_cast<size_t>(r) * k + j] = j < size ? hi[order[j]] : -1;
      outScores[static_cast<size_t>(r) * k + j] = j < size ? hs[order[j]] : -INFINITY;
    }
  }
}

}  // namespace

napi_value RankRows(napi_env env, napi_callback_info info) {
  napi_value a[8];
  const char* name = "rankRows";
  if (!arguments(env, info, a)) return fail(env, name, "expected 8 arguments");
  float *scores, *outScores;
  int32_t *ptr, *excluded, *outItems;
  size_t nScores, nPtr, nExcluded, nOutItems, nOutScores;
  int32_t n, k, threads;
  if (!typedArray(env, a[0], napi_float32_array, &scores, &nScores) || !int32Arg(env, a[1], &n) || n < 1 || nScores % n != 0) return fail(env, name, "scores must be a Float32Array of whole rows of n ≥ 1");
  if (!int32Arg(env, a[2], &k) || k < 1 || k > n) return fail(env, name, "need 1 ≤ k ≤ n");
  const size_t rows = nScores / n;
  if (!typedArray(env, a[3], napi_int32_array, &ptr, &nPtr) || nPtr != rows + 1 || !typedArray(env, a[4], napi_int32_array, &excluded, &nExcluded)) return fail(env, name, "excludedPtr must be an Int32Array of rows + 1, excludedItems an Int32Array");
  bool csr = ptr[0] == 0 && static_cast<size_t>(ptr[rows]) == nExcluded;
  for (size_t r = 0; csr && r < rows; r++) csr = ptr[r + 1] >= ptr[r];
  if (!csr) return fail(env, name, "excludedPtr must run from 0 to excludedItems.length without decreasing");
  for (size_t r = 0; r < rows; r++) {
    for (int32_t e = ptr[r]; e < ptr[r + 1]; e++)
      if (excluded[e] < 0 || excluded[e] >= n || (e > ptr[r] && excluded[e] <= excluded[e - 1])) return fail(env, name, "each row's excluded items must be ascending items < n");
  }
  if (!int32Arg(env, a[5], &threads)) return fail(env, name, "threads must be an integer");
  if (!typedArray(env, a[6], napi_int32_array, &outItems, &nOutItems) || !typedArray(env, a[7], napi_float32_array, &outScores, &nOutScores)
      || nOutItems != rows * k || nOutScores != rows * k) return fail(env, name, "outItems (Int32Array) and outScores (Float32Array) must hold rows × k");
  const int workers = static_cast<int>(std::max<size_t>(1, std::min<size_t>(std::max(threads, 1), rows)));
  const int share = static_cast<int>((rows + workers - 1) / workers);
  std::vector<int64_t> nan(workers, -1);
  std::vector<std::thread> pool;
  for (int t = 1; t < workers && static_cast<size_t>(t) * share < rows; t++)
    pool.emplace_back(rankRange, scores, n, k, ptr, excluded, outItems, outScores, t * share, static_cast<int>(std::min<size_t>(rows, static_cast<size_t>(t + 1) * share)), &nan[t]);
  rankRange(scores, n, k, ptr, excluded, outItems, outScores, 0, static_cast<int>(std::min<size_t>(rows, share)), &nan[0]);
  for (auto& worker : pool) worker.join();
  int64_t first = -1;
  for (int64_t x : nan) if (x >= 0 && (first < 0 || x < first)) first = x;
  napi_value result;
  napi_create_double(env, static_cast<double>(first), &result);
  return result;
}
