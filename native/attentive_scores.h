// MAML's pair score (Liu et al., MM '19; src/backbones/maml/networks.ts), fused: for user row u and
// item row [v ‖ p], with H = 5d hidden units,
//   h = tanh((u·W_u + v·W_v + p·W_p) / max(‖[u; v; p]‖, eps) + b1)        [H]
//   z = relu((h·W_o) / max(‖h‖, eps) + b_o)                                [d]
//   a = d · softmax(z);   score = −Σ_k a_k² (u_k − v_k)²
// Each pair's hidden row lives in cache only: the [users × items × H] tensor the graph streams through
// memory is never stored (attentive_scores_kernel.h).
#pragma once
#include <cstdint>

struct AttentiveScoresJob {
  const float* users;         // [nUsers, d]: u
  int nUsers;
  const float* items;         // [nItems, 2d]: v ‖ p
  int nItems, d;
  int hidden;                 // H rounded up to whole panels (the padding's weights and biases are 0)
  const float* hiddenPanels;  // [u; v; p] → hidden weights [3d, hidden] as panels [hidden / width][3d][width]
  const float* hiddenBias;    // [hidden]
  const float* outPanels;     // hidden → out weights [hidden, d] as panels [ceil(d / width)][hidden][width]
  int outWidth;               // d rounded up to whole panels
  const float* outBias;       // [d]
  float eps;
  float* userHidden;          // [nUsers, hidden] and [nUsers]: u·W_u and ‖u‖², filled by the kernel
  float* userSquares;
  float* itemHidden;          // [nItems, hidden] and [nItems]: v·W_v + p·W_p and ‖v‖² + ‖p‖²
  float* itemSquares;
  float* scores;              // [nUsers, nItems]
};

// One set per instruction set. Items first (the item side of every item in [from, to)), then users
// (their side, then their scores against every item). Scratch: ATTENTIVE_ROWS × (hidden + outWidth + 2d)
// floats a thread.
void attentiveItemsAvx512(const AttentiveScoresJob& job, int from, int to, float* scratch);
void attentiveUsersAvx512(const AttentiveScoresJob& job, int from, int to, float* scratch);
void attentiveItemsAvx2(const AttentiveScoresJob& job, int from, int to, float* scratch);
void attentiveUsersAvx2(const AttentiveScoresJob& job, int from, int to, float* scratch);
void attentiveItemsSse2(const AttentiveScoresJob& job, int from, int to, float* scratch);
void attentiveUsersSse2(const AttentiveScoresJob& job, int from, int to, float* scratch);
/** Rows of a kernel tile, and columns of a panel, per instruction set. */
constexpr int ATTENTIVE_ROWS = 6;
constexpr int ATTENTIVE_WIDTH_AVX512 = 64;
constexpr int ATTENTIVE_WIDTH_AVX2 = 16;
constexpr int ATTENTIVE_WIDTH_SSE2 = 8;
