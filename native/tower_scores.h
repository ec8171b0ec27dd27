// NeuMF's pair score (He et al., WWW '17; src/backbones/neumf/neumf.ts), fused: for the user row
// [p ‖ p′] and the item row [q ‖ q′] (GMF ‖ MLP embeddings, d each),
//   a = relu(p′·W1[:d] + b1 + q′·W1[d:])            [d]
//   t = relu(a·W2 + b2)                              [d2]
//   score = Σ_k h_k p_k q_k + Σ_j h_{d+j} t_j + c    (h the predict layer's weights, c its bias)
// The pair's hidden rows live in cache only: the [users × items × d] tensors the graph streams
// through memory are never stored (tower_scores_kernel.h).
#pragma once

struct TowerScoresJob {
  const float* users;         // [nUsers, 2d]: p ‖ p′
  int nUsers;
  const float* items;         // [nItems, 2d]: q ‖ q′
  int nItems, d;
  int first;                  // d rounded up to whole panels
  const float* firstPanels;   // W1 [2d, d] as panels [first / width][2d][width] (padding columns 0)
  const float* firstBias;     // [first]: b1, zero-padded
  int second;                 // d2 rounded up to whole panels
  const float* secondPanels;  // W2 [first, d2] (padding rows 0) as panels [second / width][first][width]
  const float* secondBias;    // [second]: b2, zero-padded
  const float* gmfWeight;     // [d]: h[0, d)
  const float* mlpWeight;     // [second]: h[d, d + d2), zero-padded
  float bias;                 // c
  float* userFirst;           // [nUsers, first]: p′·W1[:d] + b1, filled by the kernel
  float* itemFirst;           // [nItems, first]: q′·W1[d:], filled by the kernel
  float* scores;              // [nUsers, nItems]
};

// One set per instruction set. Items first (q′·W1[d:] for items in [from, to)), then users (their
// side, then their scores against every item). Scratch: towerScratchFloats(job) floats a thread.
void towerItemsAvx512(const TowerScoresJob& job, int from, int to, float* scratch);
void towerUsersAvx512(const TowerScoresJob& job, int from, int to, float* scratch);
void towerItemsAvx2(const TowerScoresJob& job, int from, int to, float* scratch);
void towerUsersAvx2(const TowerScoresJob& job, int from, int to, float* scratch);
void towerItemsSse2(const TowerScoresJob& job, int from, int to, float* scratch);
void towerUsersSse2(const TowerScoresJob& job, int from, int to, float* scratch);
/** Rows of a kernel tile (8 × 2 accumulators of AVX-512's 32 registers, 6 × 2 of the others' 16; scratch
 *  is sized for the largest); columns of a panel per instruction set (two vectors). */
constexpr int TOWER_ROWS_AVX512 = 8;
constexpr int TOWER_ROWS = 6;
constexpr int TOWER_MAX_ROWS = 8;
/** Users that share one pass over the items (their rows and partial products stay in cache). */
constexpr int TOWER_USER_BLOCK = 32;
constexpr int TOWER_WIDTH_AVX512 = 32;
constexpr int TOWER_WIDTH_AVX2 = 16;
constexpr int TOWER_WIDTH_SSE2 = 8;
inline long towerScratchFloats(const TowerScoresJob& job) {
  return static_cast<long>(TOWER_MAX_ROWS) * (job.first + job.second + 2 * job.d) + static_cast<long>(TOWER_USER_BLOCK) * job.d;
}
