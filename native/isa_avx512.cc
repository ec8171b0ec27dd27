// The kernels compiled for AVX-512. Dot-product top-k: 8 users × 48 items a tile, 24 accumulators of
// the 32 zmm registers (8 × 32 and 12 × 32 measured 3–10 % slower on the Toys-sized bench shape).
// Row sums: 8 vectors (128 columns) a block. MAML's pair scores: 6 pairs × 64 outputs a tile; NeuMF's
// 16 items a vector, 16 accumulators (W2's values broadcast inside the FMAs).
#pragma GCC target("avx512f,avx2,fma")
#ifdef __clang__  // clang ignores the pragma above: every function of this file gets the target instead
#pragma clang attribute push(__attribute__((target("avx512f,avx2,fma"))), apply_to = function)
#endif
#include "dot_top_k_kernel.h"
#include "row_sums_kernel.h"
void dotTopKAvx512(const DotTopKJob& job, int from, int to, float* scratch) { scoreUsers<f32x16, 8, 3>(job, from, to, scratch); }
void rowSumsAvx512(const RowSumsJob& job, int from, int to) { sumRows<f32x16, 8>(job, from, to); }
void rowDotsAvx512(const RowDotsJob& job, int from, int to) { dotRows<f32x16>(job, from, to); }
#include "attentive_scores_kernel.h"
void attentiveItemsAvx512(const AttentiveScoresJob& job, int from, int to, float* scratch) { itemSides<f32x16, ATTENTIVE_ROWS, 4>(job, from, to, scratch); }
void attentiveUsersAvx512(const AttentiveScoresJob& job, int from, int to, float* scratch) { userScores<f32x16, ATTENTIVE_ROWS, 4>(job, from, to, scratch); }
#include "tower_scores_kernel.h"
void towerItemsAvx512(const TowerScoresJob& job, int from, int to, float* scratch) { towerItems<f32x16>(job, from, to, scratch); }
void towerUsersAvx512(const TowerScoresJob& job, int from, int to, float* scratch) { towerUsers<f32x16, TOWER_GROUP_AVX512, TOWER_PASS_AVX512>(job, from, to, scratch); }
#include "adam_kernel.h"
size_t adamAvx512(const AdamJob& job, size_t from, size_t to) { return adamVectors<f32x16>(job, from, to); }
#ifdef __clang__
#pragma clang attribute pop
#endif
