// The kernels for CPUs without AVX2 (x86-64's baseline SSE2). Dot-product top-k: 4 users × 8 items a
// tile. Row sums: 8 vectors (32 columns) a block.
#include "dot_top_k_kernel.h"
#include "row_sums_kernel.h"
void dotTopKSse2(const DotTopKJob& job, int from, int to, float* scratch) { scoreUsers<f32x4, 4, 2>(job, from, to, scratch); }
void rowSumsSse2(const RowSumsJob& job, int from, int to) { sumRows<f32x4, 8>(job, from, to); }
void rowDotsSse2(const RowDotsJob& job, int from, int to) { dotRows<f32x4>(job, from, to); }
#include "attentive_scores_kernel.h"
void attentiveItemsSse2(const AttentiveScoresJob& job, int from, int to, float* scratch) { itemSides<f32x4, ATTENTIVE_ROWS, 2>(job, from, to, scratch); }
void attentiveUsersSse2(const AttentiveScoresJob& job, int from, int to, float* scratch) { userScores<f32x4, ATTENTIVE_ROWS, 2>(job, from, to, scratch); }
#include "tower_scores_kernel.h"
void towerItemsSse2(const TowerScoresJob& job, int from, int to, float* scratch) { towerItems<f32x4>(job, from, to, scratch); }
void towerUsersSse2(const TowerScoresJob& job, int from, int to, float* scratch) { towerUsers<f32x4, TOWER_GROUP_SSE2, TOWER_PASS_SSE2>(job, from, to, scratch); }
#include "adam_kernel.h"
size_t adamSse2(const AdamJob& job, size_t from, size_t to) { return adamVectors<f32x4>(job, from, to); }
