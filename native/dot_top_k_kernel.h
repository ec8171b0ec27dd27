// Fused dot-product top-k: each tile of ROWS users × COLS vectors of items is computed in registers
// and compared lane-wise against each user's floor (the k-th best score seen so far); the few lanes
// that reach it are appended to the user's candidates, which are cut back to the best k whenever
// they would overflow. The score matrix is never written to memory.
//
// Included by one file per instruction set, after that file's `#pragma GCC target`. Everything here
// is file-local (unnamed namespace) and uses no standard-library templates, so no function compiled
// for a wider instruction set can be merged into the code the baseline runs.
#include <cmath>
#include <cstring>
#include <immintrin.h>
#include "dot_top_k.h"
#include "vectors.h"

namespace {

/** Candidates past which ranks are found by quickselect instead of counting (which is O(n²) but branch-free). */
constexpr int MAX_COUNTED = 256;

/** Candidate i ranks above j: a higher score, or the same score and a lower item index. */
inline bool above(const float* s, const int32_t* it, int i, int j) {
  return s[i] > s[j] || (s[i] == s[j] && it[i] < it[j]);
}

inline void swapAt(float* s, int32_t* it, int i, int j) {
  const float ts = s[i]; s[i] = s[j]; s[j] = ts;
  const int32_t ti = it[i]; it[i] = it[j]; it[j] = ti;
}

/** Reorders [0, n) so that its best k come first, in no order (quickselect, median-of-three pivots). */
inline void selectBest(float* s, int32_t* it, int n, int k) {
  int lo = 0, hi = n - 1;
  while (lo < hi) {
    const int mid = lo + (hi - lo) / 2;
    if (above(s, it, mid, lo)) swapAt(s, it, lo, mid);
    if (above(s, it, hi, lo)) swapAt(s, it, lo, hi);
    if (above(s, it, hi, mid)) swapAt(s, it, mid, hi);
    const float ps = s[mid];  // the median of the three
    const int32_t pi = it[mid];
    int i = lo, j = hi;
    while (i <= j) {
      while (s[i] > ps || (s[i] == ps && it[i] < pi)) i++;
      while (ps > s[j] || (ps == s[j] && pi < it[j])) j--;
      if (i <= j) swapAt(s, it, i++, j--);
    }
    if (k - 1 <= j) hi = j; else if (k - 1 >= i) lo = i; else break;
  }
}

/**
 * Keeps, in order, the candidates of [0, n) that fewer than k others rank above (n ≤ MAX_COUNTED).
 * Counting higher scores alone decides it unless scores tie at the k-th place; only then are ties
 * counted by item as well (the exact top k is a subset of the first count's).
 */
inline void keepBestCounted(float* s, int32_t* it, int n, int k) {
  unsigned char keep[MAX_COUNTED];
  int kept = 0;
  for (int i = 0; i < n; i++) {
    const float si = s[i];
    int higher = 0;
    for (int j = 0; j < n; j++) higher += s[j] > si;
    kept += keep[i] = higher < k;
  }
  if (kept > k) {
    for (int i = 0; i < n; i++) {
      const float si = s[i];
      const int32_t ii = it[i];
      int better = 0;
      for (int j = 0; j < n; j++) better += (s[j] > si) | ((s[j] == si) & (it[j] < ii));
      keep[i] = better < k;
    }
  }
  int w = 0;
  for (int i = 0; i < n; i++) {
    s[w] = s[i];
    it[w] = it[i];
    w += keep[i];
  }
}

inline bool isExcluded(const DotTopKJob& job, int user, int32_t item) {
  int lo = job.excludedPtr[user], hi = job.excludedPtr[user + 1] - 1;
  while (lo <= hi) {
    const int mid = (lo + hi) >> 1;
    if (job.excludedItems[mid] == item) return true;
    if (job.excludedItems[mid] < item) lo = mid + 1; else hi = mid - 1;
  }
  return false;
}

/**
 * Cuts a user's candidates to its best k that are not excluded, and once k are kept raises its floor
 * to the worst of them: later lanes below the floor cannot enter its top k.
 */
inline void compact(const DotTopKJob& job, int user) {
  float* s = job.scores + (size_t)user * job.capacity;
  int32_t* it = job.items + (size_t)user * job.capacity;
  int n = 0;
  const bool anyExcluded = job.excludedPtr[user + 1] > job.excludedPtr[user];
  for (int i = 0; i < job.kept[user]; i++) {
    s[n] = s[i];
    it[n] = it[i];
    n += !(anyExcluded && isExcluded(job, user, it[i]));
  }
  if (n > job.k) {
    if (n <= MAX_COUNTED) keepBestCounted(s, it, n, job.k); else selectBest(s, it, n, job.k);
    n = job.k;
  }
  job.kept[user] = n;
  if (n == job.k) {
    float worst = s[0];
    for (int i = 1; i < n; i++) worst = s[i] < worst ? s[i] : worst;
    job.floor[user] = worst;
  }
}

// One bit per lane of v that is ≥ t (NaN lanes: 0). Each file uses only the one its target allows.
inline unsigned atLeast(f32x16 v, float t) { return _mm512_cmp_ps_mask(reinterpret_cast<__m512>(v), _mm512_set1_ps(t), _CMP_GE_OQ); }
inline unsigned atLeast(f32x8 v, float t) { return _mm256_movemask_ps(_mm256_cmp_ps(reinterpret_cast<__m256>(v), _mm256_set1_ps(t), _CMP_GE_OQ)); }
inline unsigned atLeast(f32x4 v, float t) { return _mm_movemask_ps(_mm_cmpge_ps(reinterpret_cast<__m128>(v), _mm_set1_ps(t))); }

// Appends the lanes of v set in bits to s/it (items itemBase + lane) and returns the new count.
// AVX-512 compresses them in registers and stores whole vectors (the buffers keep a vector of
// slack); the others walk the bits.
inline int append(f32x16 v, unsigned bits, int itemBase, float* s, int32_t* it, int n) {
  const __m512i items = _mm512_add_epi32(_mm512_set1_epi32(itemBase), _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15));
  _mm512_storeu_ps(s + n, _mm512_maskz_compress_ps(static_cast<__mmask16>(bits), reinterpret_cast<__m512>(v)));
  _mm512_storeu_si512(it + n, _mm512_maskz_compress_epi32(static_cast<__mmask16>(bits), items));
  return n + __builtin_popcount(bits);
}
template <typename V> inline int append(V v, unsigned bits, int itemBase, float* s, int32_t* it, int n) {
  for (; bits; bits &= bits - 1) {
    const int lane = __builtin_ctz(bits);
    s[n] = v[lane];
    it[n++] = itemBase + lane;
  }
  return n;
}

/** Users [from, to) against every item, tile by tile (item tiles outer: a tile's panel rows stay in L1). */
template <typename V, int ROWS, int COLS> void scoreUsers(const DotTopKJob& job, int from, int to, float* scratch) {
  constexpr int L = sizeof(V) / sizeof(float);
  constexpr int TILE_ITEMS = L * COLS;
  static_assert(ROWS <= USER_BLOCK && TILE_ITEMS <= MAX_TILE_ITEMS && (TILE_ITEMS % PANEL == 0 || PANEL % TILE_ITEMS == 0), "tile shape");
  const int dim = job.dim;
  const int lastPanel = (job.nItems - 1) / PANEL;
  for (int item0 = 0; item0 < job.nItems; item0 += TILE_ITEMS) {
    unsigned valid[COLS];  // lanes that are items (not the padded tail of the table)
    const float* col[COLS];
    for (int c = 0; c < COLS; c++) {
      const int first = item0 + c * L, left = job.nItems - first;
      valid[c] = left >= L ? (1u << L) - 1 : left <= 0 ? 0u : (1u << left) - 1;
      const int panel = first / PANEL < lastPanel ? first / PANEL : lastPanel;
      col[c] = job.panels + (size_t)panel * dim * PANEL + first % PANEL;
    }
    for (int u0 = from; u0 < to; u0 += ROWS) {
      const int rows = to - u0 < ROWS ? to - u0 : ROWS;
      const float* ub = job.users + (size_t)u0 * dim;
      if (rows < ROWS) {
        memset(scratch, 0, sizeof(float) * ROWS * dim);
        memcpy(scratch, ub, sizeof(float) * rows * dim);
        ub = scratch;
      }
      V acc[ROWS][COLS] = {};
      for (int j = 0; j < dim; j++) {
        V w[COLS];
#pragma GCC unroll 4
        for (int c = 0; c < COLS; c++) memcpy(&w[c], col[c] + (size_t)j * PANEL, sizeof(V));
#pragma GCC unroll 16
        for (int r = 0; r < ROWS; r++) {
          const float s = ub[(size_t)r * dim + j];
#pragma GCC unroll 4
          for (int c = 0; c < COLS; c++) acc[r][c] += s * w[c];
        }
      }
      V tile[ROWS][COLS];
      copyTile(tile, acc);
      // Lanes at or above each user's floor are appended; usually there are none, which one compare of
      // the tile's lane-wise maximum tells.
      for (int r = 0; r < rows; r++) {
        const int user = u0 + r;
        const float floor = job.floor[user];
        V best = tile[r][0];
#pragma GCC unroll 4
        for (int c = 1; c < COLS; c++) best = best > tile[r][c] ? best : tile[r][c];
        if (!atLeast(best, floor)) continue;
        float* s = job.scores + (size_t)user * job.capacity;
        int32_t* it = job.items + (size_t)user * job.capacity;
        int n = job.kept[user];
#pragma GCC unroll 4
        for (int c = 0; c < COLS; c++) n = append(tile[r][c], atLeast(tile[r][c], floor) & valid[c], item0 + c * L, s, it, n);
        job.kept[user] = n;
        if (n > job.capacity - TILE_ITEMS - PANEL) compact(job, user);
      }
    }
  }
  for (int user = from; user < to; user++) compact(job, user);
}

}  // namespace
