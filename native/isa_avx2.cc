// The kernels compiled for AVX2 + FMA. Dot-product top-k: 6 users × 16 items a tile, 12 accumulators
// of the 16 ymm registers. Row sums: 8 vectors (64 columns) a block.
#pragma GCC target("avx2,fma")
#ifdef __clang__  // clang ignores the pragma above: every function of this file gets the target instead
#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)
#endif
#include "dot_top_k_kernel.h"
#include "row_sums_kernel.h"
void dotTopKAvx2(const DotTopKJob& job, int from, int to, float* scratch) { scoreUsers<f32x8, 6, 2>(job, from, to, scratch); }
void rowSumsAvx2(const RowSumsJob& job, int from, int to) { sumRows<f32x8, 8>(job, from, to); }
void rowDotsAvx2(const RowDotsJob& job, int from, int to) { dotRows<f32x8>(job, from, to); }
#include "attentive_scores_kernel.h"
void attentiveItemsAvx2(const AttentiveScoresJob& job, int from, int to, float* scratch) { itemSides<f32x8, ATTENTIVE_ROWS, 2>(job, from, to, scratch); }
void attentiveUsersAvx2(const AttentiveScoresJob& job, int from, int to, float* scratch) { userScores<f32x8, ATTENTIVE_ROWS, 2>(job, from, to, scratch); }
#include "tower_scores_kernel.h"
void towerItemsAvx2(const TowerScoresJob& job, int from, int to, float* scratch) { towerItems<f32x8>(job, from, to, scratch); }
void towerUsersAvx2(const TowerScoresJob& job, int from, int to, float* scratch) { towerUsers<f32x8, TOWER_GROUP_AVX2, TOWER_PASS_AVX2>(job, from, to, scratch); }
#include "adam_kernel.h"
size_t adamAvx2(const AdamJob& job, size_t from, size_t to) { return adamVectors<f32x8>(job, from, to); }
#ifdef __clang__
#pragma clang attribute pop
#endif
