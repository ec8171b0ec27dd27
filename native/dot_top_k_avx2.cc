// 6 users × 16 items a tile: 12 accumulators of the 16 ymm registers.
#pragma GCC target("avx2,fma")
#include "dot_top_k_kernel.h"
void dotTopKAvx2(const DotTopKJob& job, int from, int to, float* scratch) { scoreUsers<f32x8, 6, 2>(job, from, to, scratch); }
