// sgfd's native kernels for Node (N-API, no C++ wrapper library):
//   dotTopK(users, panels, nItems, dim, k, excludedPtr, excludedItems, threads, outItems, outScores)
// fills outItems/outScores [nUsers, k] with each user's best k items by dot product (item −1 and
// score −∞ where fewer than k items are left), ties ranked by the lower item index.
#include <node_api.h>
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>
#include "dot_top_k.h"

namespace {

napi_value fail(napi_env env, const std::string& message) {
  napi_throw_error(env, nullptr, ("dotTopK: " + message).c_str());
  return nullptr;
}

template <typename T> bool typedArray(napi_env env, napi_value v, napi_typedarray_type want, T** data, size_t* length) {
  bool is = false;
  if (napi_is_typedarray(env, v, &is) != napi_ok || !is) return false;
  napi_typedarray_type type;
  napi_value buffer;
  size_t offset;
  if (napi_get_typedarray_info(env, v, &type, length, reinterpret_cast<void**>(data), &buffer, &offset) != napi_ok) return false;
  return type == want;
}

using Kernel = void (*)(const DotTopKJob&, int, int, float*);

/**
 * The kernel for the widest instruction set this CPU has; SGFD_NATIVE_ISA=avx2 or sse2 caps it (the
 * tests run every kernel that way).
 */
Kernel widestKernel() {
  __builtin_cpu_init();
  const char* cap = getenv("SGFD_NATIVE_ISA");
  const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && !(cap && !strcmp(cap, "sse2"));
  if (__builtin_cpu_supports("avx512f") && avx2 && !(cap && !strcmp(cap, "avx2"))) return dotTopKAvx512;
  return avx2 ? dotTopKAvx2 : dotTopKSse2;
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

bool int32Arg(napi_env env, napi_value v, int32_t* out) { return napi_get_value_int32(env, v, out) == napi_ok; }

napi_value DotTopK(napi_env env, napi_callback_info info) {
  size_t argc = 10;
  napi_value a[10];
  if (napi_get_cb_info(env, info, &argc, a, nullptr, nullptr) != napi_ok || argc != 10) return fail(env, "expected 10 arguments");
  float *users, *panels, *outScores;
  int32_t *excludedPtr, *excludedItems, *outItems;
  size_t nUsersDim, nPanelFloats, nPtr, nExcluded, nOutItems, nOutScores;
  int32_t nItems, dim, k, threads;
  if (!typedArray(env, a[0], napi_float32_array, &users, &nUsersDim)) return fail(env, "users must be a Float32Array");
  if (!typedArray(env, a[1], napi_float32_array, &panels, &nPanelFloats)) return fail(env, "panels must be a Float32Array");
  if (!int32Arg(env, a[2], &nItems) || !int32Arg(env, a[3], &dim) || !int32Arg(env, a[4], &k)) return fail(env, "nItems, dim and k must be integers");
  if (!typedArray(env, a[5], napi_int32_array, &excludedPtr, &nPtr)) return fail(env, "excludedPtr must be an Int32Array");
  if (!typedArray(env, a[6], napi_int32_array, &excludedItems, &nExcluded)) return fail(env, "excludedItems must be an Int32Array");
  if (!int32Arg(env, a[7], &threads)) return fail(env, "threads must be an integer");
  if (!typedArray(env, a[8], napi_int32_array, &outItems, &nOutItems)) return fail(env, "outItems must be an Int32Array");
  if (!typedArray(env, a[9], napi_float32_array, &outScores, &nOutScores)) return fail(env, "outScores must be a Float32Array");
  if (dim < 1 || k < 1 || nItems < 1 || nUsersDim % dim != 0) return fail(env, "need dim ≥ 1, k ≥ 1, nItems ≥ 1 and users of whole rows");
  const int n = static_cast<int>(nUsersDim / dim);
  const size_t nPanels = (static_cast<size_t>(nItems) + PANEL - 1) / PANEL;
  if (nPanelFloats != nPanels * dim * PANEL) return fail(env, "panels must hold ceil(nItems / 16) × dim × 16 floats");
  if (nPtr != static_cast<size_t>(n) + 1 || excludedPtr[0] != 0 || static_cast<size_t>(excludedPtr[n]) != nExcluded) return fail(env, "excludedPtr must be [nUsers + 1] offsets into excludedItems");
  if (nOutItems != static_cast<size_t>(n) * k || nOutScores != static_cast<size_t>(n) * k) return fail(env, "outputs must hold nUsers × k values");

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

napi_value Init(napi_env env, napi_value exports) {
  napi_value fn;
  if (napi_create_function(env, "dotTopK", NAPI_AUTO_LENGTH, DotTopK, nullptr, &fn) != napi_ok) return nullptr;
  if (napi_set_named_property(env, exports, "dotTopK", fn) != napi_ok) return nullptr;
  return exports;
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
