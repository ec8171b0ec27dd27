// NeuMF's pair score (He et al., WWW '17; src/backbones/neumf/neumf.ts), fused: for the user row
// [p ‖ p′] and the item row [q ‖ q′] (GMF ‖ MLP embeddings, d each),
//   a = relu(p′·W1[:d] + b1 + q′·W1[d:])            [d]
//   t = relu(a·W2 + b2)                              [d2]
//   score = Σ_k h_k p_k q_k + Σ_j h_{d+j} t_j + c    (h the predict layer's weights, c its bias)
// The pair's hidden values live in registers only: the [users × items × d] tensors the graph streams
// through memory are never stored (tower_scores_kernel.h).
#pragma once

struct TowerScoresJob {
  const float* users;        // [nUsers, 2d]: p ‖ p′
  int nUsers;
  const float* items;        // [nItems, 2d]: q ‖ q′
  int nItems, d;
  const float* w1;           // [2d, d], row-major [in, out]
  const float* b1;           // [d]
  int d2;                    // the second layer's width, rounded up to whole groups of accumulators
  const float* w2;           // [d, d2], row-major, zero-padded columns
  const float* b2;           // [d2], zero-padded
  const float* gmfWeight;    // [d]: h[0, d)
  const float* mlpWeight;    // [d2]: h[d, d + d2), zero-padded
  float bias;                // c
  int blocks;                // blocks of `lanes` items, rounded up to whole passes (zero items past the last)
  float* itemFirst;          // [blocks, d, lanes]: q′·W1[d:] of each block of `lanes` items, filled by the kernel
  float* itemGmf;            // [blocks, d, lanes]: q of the same items (zero past the last item)
  float* scores;             // [nUsers, nItems]
};

// One set per instruction set. Items first (blocks [from, to) of `lanes` items), then users (their
// side, then their scores against every item). Scratch: towerScratchFloats(job) floats a thread.
void towerItemsAvx512(const TowerScoresJob& job, int from, int to, float* scratch);
void towerUsersAvx512(const TowerScoresJob& job, int from, int to, float* scratch);
void towerItemsAvx2(const TowerScoresJob& job, int from, int to, float* scratch);
void towerUsersAvx2(const TowerScoresJob& job, int from, int to, float* scratch);
void towerItemsSse2(const TowerScoresJob& job, int from, int to, float* scratch);
void towerUsersSse2(const TowerScoresJob& job, int from, int to, float* scratch);
/**
 * Items per vector (the kernel's lanes), vectors of items per pass, and accumulators per vector of
 * items for a group of the second layer's outputs. AVX-512 multiplies by W2's values broadcast from
 * memory inside the FMA, one vector of items a pass; AVX2 and SSE2 need a broadcast of their own, so
 * each broadcast serves two vectors of items (2 × 6 accumulators of their 16 registers).
 */
constexpr int TOWER_LANES_AVX512 = 16, TOWER_PASS_AVX512 = 1, TOWER_GROUP_AVX512 = 16;
constexpr int TOWER_LANES_AVX2 = 8, TOWER_PASS_AVX2 = 2, TOWER_GROUP_AVX2 = 6;
constexpr int TOWER_LANES_SSE2 = 4, TOWER_PASS_SSE2 = 2, TOWER_GROUP_SSE2 = 6;
/** Users that share one pass over the items (a block of items stays in cache for all of them). */
constexpr int TOWER_USER_BLOCK = 32;
/** Floats of scratch a thread: the users pass's block of user sides, or the items pass's [d][lanes] (the widest lanes). */
inline long towerScratchFloats(const TowerScoresJob& job) {
  return static_cast<long>(TOWER_USER_BLOCK) * 2 * job.d + static_cast<long>(job.d) * TOWER_LANES_AVX512;
}
