// sgfd's native kernels for Node (N-API, no C++ wrapper library):
//   dotTopK(users, panels, nItems, dim, k, excludedPtr, excludedItems, threads, outItems, outScores)
// fills outItems/outScores [nUsers, k] with each user's best k items by dot product (item −1 and
// score −∞ where fewer than k items are left), ties ranked by the lower item index;
//   rowSums(x, cols, ptr, index, weight, threads, out, plus, scale, weightAt)
// fills out [rows, cols] with out[r] = scale · (Σ w_e · x[index[e]] + plus[r]) over e in
// [ptr[r], ptr[r + 1]), w_e = weight[e] (weightAt null) or weight[weightAt[e]]; plus may be null
// (nothing added) or out itself;
//   rowDots(x, y, cols, ptr, index, threads, out, outAt)
// fills out [entries] with ⟨x[index[e]], y[r]⟩ for e in [ptr[r], ptr[r + 1]), at out[e] (outAt
// null) or out[outAt[e]];
//   attentiveScores(users, items, d, hiddenWeight, hiddenBias, outWeight, outBias, eps, threads, out)
// fills out [nUsers, nItems] with MAML's pair score of every user row [d] against every item row
// [v ‖ p] (attentive_scores.h), the weights row-major [in, out];
//   towerScores(users, items, d, w1, b1, w2, b2, predict, bias, threads, out)
// the same for NeuMF's pair score of user rows [p ‖ p′] and item rows [q ‖ q′] (tower_scores.h);
//   rankRows(scores, n, k, excludedPtr, excludedItems, threads, outItems, outScores)
// ranks each row of a pair kernel's scores (the best k outside the excluded items, ties to the lower
// item; returns −1 or the flat index of the first NaN); these three live in pair_scores.cc;
//   adam(param, m, v, grad, extra, hyper, threads)
// applies one Adam step to param, m and v in place (adam.cc; hyper: a Float64Array of AdamHyper's 8
// values), in vectors of the widest instruction set (adam_kernel.h: the same bits), on up to `threads`
// threads for large parameters;
//   adamRows(param, m, v, gradRows, rowOf, hyper, threads)
// the same for a table whose gradient is zero but in the rows gradRows holds (rowOf: each row's
// index into gradRows, −1 for zeros).
#include <node_api.h>
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>
#include "dot_top_k.h"
#include "row_sums.h"
#include "adam.h"
#include "napi_util.h"
#include "pair_scores.h"

namespace {

using Kernel = void (*)(const DotTopKJob&, int, int, float*);
using RowSumsKernel = void (*)(const RowSumsJob&, int, int);
using RowDotsKernel = void (*)(const RowDotsJob&, int, int);

Kernel widestKernel() {
  const Isa isa = widestIsa();
  return byIsa(isa, dotTopKAvx512, dotTopKAvx2, dotTopKSse2);
}

struct Outputs { int32_t* items; float* scores; };

/** One thread's users: the kernel, then each user's kept candidates ranked into the outputs. */
void scoreRange(Kernel kernel, const DotTopKJob& job, int from, int to, float* scratch, Outputs out) {
  kernel(job, from, to, scratch);
  const int k = job.k;
  std::vector<int32_t> order(k);
  for (int u = from; u < to; u++) {
    const float* s = job.scores + static_cast<size_t>(u) * job.capacity;
    const int32_t* it = job.items + static_cast<size_t>(u) * job.capacity;
    const int kept = job.kept[u];
    for (int j = 0; j < kept; j++) order[j] = j;
    std::sort(order.begin(), order.begin() + kept, [&](int32_t a, int32_t b) { return s[a] > s[b] || (s[a] == s[b] && it[a] < it[b]); });
    for (int j = 0; j < k; j++) {
      out.items[static_cast<size_t>(u) * k + j] = j < kept ? it[order[j]] : -1;
      out.scores[static_cast<size_t>(u) * k + j] = j < kept ? s[order[j]] : -INFINITY;
    }
  }
}

/** A typed array of type `want` and `length` elements, or null (data stays null): false for anything else. */
template <typename T> bool optionalArray(napi_env env, napi_value v, napi_typedarray_type want, size_t length, T** data) {
  napi_valuetype type;
  if (napi_typeof(env, v, &type) != napi_ok) return false;
  if (type == napi_null) return true;
  size_t n = 0;
  return typedArray(env, v, want, data, &n) && n == length;
}
bool optionalFloats(napi_env env, napi_value v, size_t length, float** data) { return optionalArray(env, v, napi_float32_array, length, data); }
bool optionalInts(napi_env env, napi_value v, size_t length, int32_t** data) { return optionalArray(env, v, napi_int32_array, length, data); }

/** Whether at (null: the identity) holds each of 0 … n − 1 once. */
bool permutation(const int32_t* at, size_t n) {
  if (!at) return true;
  std::vector<bool> seen(n, false);
  for (size_t e = 0; e < n; e++) {
    if (at[e] < 0 || static_cast<size_t>(at[e]) >= n || seen[at[e]]) return false;
    seen[at[e]] = true;
  }
  return true;
}

/** Whether [a, a + na) and [b, b + nb) share memory. */
bool overlap(const float* a, size_t na, const float* b, size_t nb) { return a < b + nb && b < a + na; }

napi_value DotTopK(napi_env env, napi_callback_info info) {
  napi_value a[10];
  if (!arguments(env, info, a)) return fail(env, "dotTopK", "expected 10 arguments");
  float *users, *panels, *outScores;
  int32_t *excludedPtr, *excludedItems, *outItems;
  size_t nUsersDim, nPanelFloats, nPtr, nExcluded, nOutItems, nOutScores;
  int32_t nItems, dim, k, threads;
  if (!typedArray(env, a[0], napi_float32_array, &users, &nUsersDim)) return fail(env, "dotTopK", "users must be a Float32Array");
  if (!typedArray(env, a[1], napi_float32_array, &panels, &nPanelFloats)) return fail(env, "dotTopK", "panels must be a Float32Array");
  if (!int32Arg(env, a[2], &nItems) || !int32Arg(env, a[3], &dim) || !int32Arg(env, a[4], &k)) return fail(env, "dotTopK", "nItems, dim and k must be integers");
  if (!typedArray(env, a[5], napi_int32_array, &excludedPtr, &nPtr)) return fail(env, "dotTopK", "excludedPtr must be an Int32Array");
  if (!typedArray(env, a[6], napi_int32_array, &excludedItems, &nExcluded)) return fail(env, "dotTopK", "excludedItems must be an Int32Array");
  if (!int32Arg(env, a[7], &threads)) return fail(env, "dotTopK", "threads must be an integer");
  if (!typedArray(env, a[8], napi_int32_array, &outItems, &nOutItems)) return fail(env, "dotTopK", "outItems must be an Int32Array");
  if (!typedArray(env, a[9], napi_float32_array, &outScores, &nOutScores)) return fail(env, "dotTopK", "outScores must be a Float32Array");
  if (dim < 1 || k < 1 || nItems < 1 || nUsersDim % dim != 0) return fail(env, "dotTopK", "need dim ≥ 1, k ≥ 1, nItems ≥ 1 and users of whole rows");
  const int n = static_cast<int>(nUsersDim / dim);
  const size_t nPanels = (static_cast<size_t>(nItems) + PANEL - 1) / PANEL;
  if (nPanelFloats != nPanels * dim * PANEL) return fail(env, "dotTopK", "panels must hold ceil(nItems / 16) × dim × 16 floats");
  if (nPtr != static_cast<size_t>(n) + 1 || excludedPtr[0] != 0 || static_cast<size_t>(excludedPtr[n]) != nExcluded) return fail(env, "dotTopK", "excludedPtr must be [nUsers + 1] offsets into excludedItems");
  if (nOutItems != static_cast<size_t>(n) * k || nOutScores != static_cast<size_t>(n) * k) return fail(env, "dotTopK", "outputs must hold nUsers × k values");

  const int capacity = 2 * k + MAX_TILE_ITEMS + PANEL;
  std::vector<float> scores(static_cast<size_t>(n) * capacity);
  std::vector<int32_t> items(static_cast<size_t>(n) * capacity);
  std::vector<int32_t> kept(n, 0);
  std::vector<float> floor(n, -INFINITY);
  const DotTopKJob job{users, n, dim, panels, nItems, excludedPtr, excludedItems, k, capacity, scores.data(), items.data(), kept.data(), floor.data()};
  const int blocks = (n + USER_BLOCK - 1) / USER_BLOCK;
  const int workers = std::max(1, std::min<int>(threads, blocks));
  const int share = (blocks + workers - 1) / workers * USER_BLOCK;
  std::vector<float> scratch(static_cast<size_t>(workers) * USER_BLOCK * dim);
  const Kernel kernel = widestKernel();
  const Outputs out{outItems, outScores};
  std::vector<std::thread> pool;
  for (int t = 1; t < workers && t * share < n; t++) {
    pool.emplace_back(scoreRange, kernel, std::cref(job), t * share, std::min(n, (t + 1) * share), scratch.data() + static_cast<size_t>(t) * USER_BLOCK * dim, out);
  }
  scoreRange(kernel, job, 0, std::min(n, share), scratch.data(), out);
  for (auto& worker : pool) worker.join();
  return nullptr;
}

/** ptr runs from 0 to nIndex without decreasing and every index is a row of x (else throws, false). */
bool validCsr(napi_env env, const char* kernel, const int32_t* ptr, int rows, const int32_t* index, size_t nIndex, int64_t xRows) {
  if (ptr[0] != 0 || static_cast<size_t>(ptr[rows]) != nIndex) return fail(env, kernel, "ptr must run from 0 to index.length"), false;
  for (int r = 0; r < rows; r++) if (ptr[r + 1] < ptr[r]) return fail(env, kernel, "ptr must not decrease"), false;
  for (size_t e = 0; e < nIndex; e++) {
    if (index[e] < 0 || index[e] >= xRows) return fail(env, kernel, "index " + std::to_string(index[e]) + " at " + std::to_string(e) + " is not a row of x"), false;
  }
  return true;
}

/** Runs kernel(job, from, to) on up to `threads` threads, each taking contiguous rows holding about equal numbers of entries. */
template <typename Job> void overRows(void (*kernel)(const Job&, int, int), const Job& job, const int32_t* ptr, int rows, int threads) {
  const int64_t entries = ptr[rows];
  const int workers = std::max(1, std::min(threads, rows));
  std::vector<int> bounds(workers + 1, rows);
  bounds[0] = 0;
  for (int t = 1, r = 0; t < workers; t++) {
    const int64_t goal = entries * t / workers;
    while (r < rows && ptr[r] < goal) r++;
    bounds[t] = r;
  }
  std::vector<std::thread> pool;
  for (int t = 1; t < workers; t++) pool.emplace_back(kernel, std::cref(job), bounds[t], bounds[t + 1]);
  kernel(job, bounds[0], bounds[1]);
  for (auto& worker : pool) worker.join();
}

napi_value RowSums(napi_env env, napi_callback_info info) {
  napi_value a[10];
  if (!arguments(env, info, a)) return fail(env, "rowSums", "expected 10 arguments");
  float *x, *weight, *out, *plus = nullptr;
  double scale;
  int32_t *ptr, *index, *weightAt = nullptr;
  size_t nX, nPtr, nIndex, nWeight, nOut;
  int32_t cols, threads;
  if (!typedArray(env, a[0], napi_float32_array, &x, &nX)) return fail(env, "rowSums", "x must be a Float32Array");
  if (!int32Arg(env, a[1], &cols) || cols < 1 || nX % cols != 0) return fail(env, "rowSums", "cols must be an integer ≥ 1 dividing x's length");
  if (!typedArray(env, a[2], napi_int32_array, &ptr, &nPtr) || nPtr < 1) return fail(env, "rowSums", "ptr must be a non-empty Int32Array");
  if (!typedArray(env, a[3], napi_int32_array, &index, &nIndex)) return fail(env, "rowSums", "index must be an Int32Array");
  if (!typedArray(env, a[4], napi_float32_array, &weight, &nWeight) || nWeight != nIndex) return fail(env, "rowSums", "weight must be a Float32Array as long as index");
  if (!int32Arg(env, a[5], &threads)) return fail(env, "rowSums", "threads must be an integer");
  if (!typedArray(env, a[6], napi_float32_array, &out, &nOut)) return fail(env, "rowSums", "out must be a Float32Array");
  const int rows = static_cast<int>(nPtr - 1);
  if (nOut != static_cast<size_t>(rows) * cols) return fail(env, "rowSums", "out must hold (ptr.length − 1) × cols floats");
  if (!optionalFloats(env, a[7], nOut, &plus)) return fail(env, "rowSums", "plus must be null or a Float32Array as long as out");
  if (napi_get_value_double(env, a[8], &scale) != napi_ok) return fail(env, "rowSums", "scale must be a number");
  if (!optionalInts(env, a[9], nIndex, &weightAt)) return fail(env, "rowSums", "weightAt must be null or an Int32Array as long as index");
  if (!permutation(weightAt, nIndex)) return fail(env, "rowSums", "weightAt must hold each entry's weight once (a permutation of 0 … index.length − 1)");
  if (overlap(x, nX, out, nOut) || (plus && plus != out && overlap(plus, nOut, out, nOut))) return fail(env, "rowSums", "out must not overlap x, nor plus unless it is out");
  if (!validCsr(env, "rowSums", ptr, rows, index, nIndex, static_cast<int64_t>(nX / cols))) return nullptr;
  const Isa isa = widestIsa();
  const RowSumsKernel kernel = byIsa(isa, rowSumsAvx512, rowSumsAvx2, rowSumsSse2);
  overRows(kernel, RowSumsJob{x, cols, ptr, index, weight, weightAt, plus, static_cast<float>(scale), out}, ptr, rows, threads);
  return nullptr;
}

napi_value RowDots(napi_env env, napi_callback_info info) {
  napi_value a[8];
  if (!arguments(env, info, a)) return fail(env, "rowDots", "expected 8 arguments");
  float *x, *y, *out;
  int32_t *ptr, *index, *outAt = nullptr;
  size_t nX, nY, nPtr, nIndex, nOut;
  int32_t cols, threads;
  if (!typedArray(env, a[0], napi_float32_array, &x, &nX) || !typedArray(env, a[1], napi_float32_array, &y, &nY)) return fail(env, "rowDots", "x and y must be Float32Arrays");
  if (!int32Arg(env, a[2], &cols) || cols < 1 || nX % cols != 0 || nY % cols != 0) return fail(env, "rowDots", "cols must be an integer ≥ 1 dividing x's and y's lengths");
  if (!typedArray(env, a[3], napi_int32_array, &ptr, &nPtr) || nPtr != nY / cols + 1) return fail(env, "rowDots", "ptr must be an Int32Array of y's rows + 1 offsets");
  if (!typedArray(env, a[4], napi_int32_array, &index, &nIndex)) return fail(env, "rowDots", "index must be an Int32Array");
  if (!int32Arg(env, a[5], &threads)) return fail(env, "rowDots", "threads must be an integer");
  if (!typedArray(env, a[6], napi_float32_array, &out, &nOut) || nOut != nIndex) return fail(env, "rowDots", "out must be a Float32Array as long as index");
  if (!optionalInts(env, a[7], nIndex, &outAt) || !permutation(outAt, nIndex)) return fail(env, "rowDots", "outAt must be null or a permutation of 0 … index.length − 1");
  const int rows = static_cast<int>(nPtr - 1);
  if (!validCsr(env, "rowDots", ptr, rows, index, nIndex, static_cast<int64_t>(nX / cols))) return nullptr;
  if (overlap(x, nX, out, nOut) || overlap(y, nY, out, nOut)) return fail(env, "rowDots", "out must not overlap x or y");
  const Isa isa = widestIsa();
  const RowDotsKernel kernel = byIsa(isa, rowDotsAvx512, rowDotsAvx2, rowDotsSse2);
  overRows(kernel, RowDotsJob{x, y, cols, ptr, index, out, outAt}, ptr, rows, threads);
  return nullptr;
}

using AdamKernel = size_t (*)(const AdamJob&, size_t, size_t);

/** Elements [from, to): whole vectors on the widest instruction set, the tail on the scalar update. */
void adamRange(AdamKernel kernel, const AdamJob& job, size_t from, size_t to) { adamUpdate(job, kernel(job, from, to), to); }

/** Below this many elements a thread's start costs more than its share of the update. */
constexpr size_t ADAM_ELEMENTS_PER_THREAD = 1 << 17;

/** Adam's vector kernel for this CPU's widest instruction set, and the fixed parts of the job from the hyper array. */
AdamKernel adamKernel() {
  const Isa isa = widestIsa();
  return byIsa(isa, adamAvx512, adamAvx2, adamSse2);
}

AdamHyper adamHyper(const double* hyper) {
  return AdamHyper{static_cast<float>(hyper[0]), static_cast<float>(hyper[1]), static_cast<float>(hyper[2]), static_cast<float>(hyper[3]),
                   static_cast<float>(hyper[4]), static_cast<float>(hyper[5]), static_cast<float>(hyper[6]), static_cast<float>(hyper[7])};
}

napi_value Adam(napi_env env, napi_callback_info info) {
  napi_value a[7];
  if (!arguments(env, info, a)) return fail(env, "adam", "expected 7 arguments");
  float *param, *m, *v, *grad, *extra = nullptr;
  double* hyper;
  size_t n, nm, nv, ng, nHyper;
  if (!typedArray(env, a[0], napi_float32_array, &param, &n)) return fail(env, "adam", "param must be a Float32Array");
  if (!typedArray(env, a[1], napi_float32_array, &m, &nm) || !typedArray(env, a[2], napi_float32_array, &v, &nv) || !typedArray(env, a[3], napi_float32_array, &grad, &ng)
      || nm != n || nv != n || ng != n) return fail(env, "adam", "m, v and grad must be Float32Arrays as long as param");
  if (!optionalFloats(env, a[4], n, &extra)) return fail(env, "adam", "extra must be null or a Float32Array as long as param");
  if (!typedArray(env, a[5], napi_float64_array, &hyper, &nHyper) || nHyper != 8) return fail(env, "adam", "hyper must be a Float64Array of 8 values");
  int32_t threads;
  if (!int32Arg(env, a[6], &threads)) return fail(env, "adam", "threads must be an integer");
  const AdamJob job{param, m, v, grad, extra, adamHyper(hyper)};
  const AdamKernel kernel = adamKernel();
  const size_t workers = std::max<size_t>(1, std::min<size_t>(std::max(threads, 1), n / ADAM_ELEMENTS_PER_THREAD));
  // Each worker's share starts on a 64-byte boundary of the arrays (a multiple of 16 elements).
  const size_t share = (n / workers + 15) / 16 * 16;
  std::vector<std::thread> pool;
  for (size_t t = 1; t < workers; t++) pool.emplace_back(adamRange, kernel, std::cref(job), std::min(n, t * share), std::min(n, (t + 1) * share));
  adamRange(kernel, job, 0, std::min(n, share));
  for (auto& worker : pool) worker.join();
  return nullptr;
}

/**
 * adamRows(param, m, v, gradRows, rowOf, hyper, threads): Adam on a table param [rows, cols] whose
 * gradient is zero but in some rows: row r's gradient is gradRows[rowOf[r]] (rowOf[r] ≥ 0) or zeros
 * (rowOf[r] = −1). Every row is updated (m and v decay where the gradient is zero), each exactly as
 * adam() updates it from the dense gradient with those rows, to the bit.
 */
napi_value AdamRows(napi_env env, napi_callback_info info) {
  napi_value a[7];
  if (!arguments(env, info, a)) return fail(env, "adamRows", "expected 7 arguments");
  float *param, *m, *v, *gradRows;
  int32_t* rowOf;
  double* hyper;
  size_t n, nm, nv, ng, rows, nHyper;
  if (!typedArray(env, a[0], napi_float32_array, &param, &n)) return fail(env, "adamRows", "param must be a Float32Array");
  if (!typedArray(env, a[1], napi_float32_array, &m, &nm) || !typedArray(env, a[2], napi_float32_array, &v, &nv) || nm != n || nv != n)
    return fail(env, "adamRows", "m and v must be Float32Arrays as long as param");
  if (!typedArray(env, a[4], napi_int32_array, &rowOf, &rows) || rows == 0 || n % rows != 0) return fail(env, "adamRows", "rowOf must be an Int32Array of one entry per row of param");
  const size_t cols = n / rows;
  if (!typedArray(env, a[3], napi_float32_array, &gradRows, &ng) || ng % cols != 0) return fail(env, "adamRows", "gradRows must be a Float32Array of whole rows");
  const int64_t given = static_cast<int64_t>(ng / cols);
  for (size_t r = 0; r < rows; r++)
    if (rowOf[r] < -1 || rowOf[r] >= given) return fail(env, "adamRows", "rowOf[" + std::to_string(r) + "] = " + std::to_string(rowOf[r]) + " is not −1 or a row of gradRows");
  if (!typedArray(env, a[5], napi_float64_array, &hyper, &nHyper) || nHyper != 8) return fail(env, "adamRows", "hyper must be a Float64Array of 8 values");
  int32_t threads;
  if (!int32Arg(env, a[6], &threads)) return fail(env, "adamRows", "threads must be an integer");
  const AdamHyper h = adamHyper(hyper);
  const AdamKernel kernel = adamKernel();
  const std::vector<float> zero(cols, 0.0f);
  auto update = [&](size_t from, size_t to) {
    for (size_t r = from; r < to; r++) {
      const float* g = rowOf[r] < 0 ? zero.data() : gradRows + static_cast<size_t>(rowOf[r]) * cols;
      adamRange(kernel, AdamJob{param + r * cols, m + r * cols, v + r * cols, g, nullptr, h}, 0, cols);
    }
  };
  const size_t workers = std::max<size_t>(1, std::min<size_t>(std::max(threads, 1), n / ADAM_ELEMENTS_PER_THREAD));
  const size_t share = (rows + workers - 1) / workers;
  std::vector<std::thread> pool;
  for (size_t t = 1; t < workers; t++) pool.emplace_back(update, std::min(rows, t * share), std::min(rows, (t + 1) * share));
  update(0, std::min(rows, share));
  for (auto& worker : pool) worker.join();
  return nullptr;
}

bool exportFunction(napi_env env, napi_value exports, const char* name, napi_callback fn) {
  napi_value f;
  return napi_create_function(env, name, NAPI_AUTO_LENGTH, fn, nullptr, &f) == napi_ok && napi_set_named_property(env, exports, name, f) == napi_ok;
}

napi_value Init(napi_env env, napi_value exports) {
  if (!exportFunction(env, exports, "dotTopK", DotTopK) || !exportFunction(env, exports, "rowSums", RowSums) || !exportFunction(env, exports, "adam", Adam) || !exportFunction(env, exports, "adamRows", AdamRows)
      || !exportFunction(env, exports, "rowDots", RowDots) || !exportFunction(env, exports, "attentiveScores", AttentiveScores)
      || !exportFunction(env, exports, "towerScores", TowerScores) || !exportFunction(env, exports, "rankRows", RankRows)) return nullptr;
  return exports;
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
