// 4 users × 8 items a tile, for CPUs without AVX2 (x86-64's baseline SSE2).
#include "dot_top_k_kernel.h"
void dotTopKSse2(const DotTopKJob& job, int from, int to, float* scratch) { scoreUsers<f32x4, 4, 2>(job, from, to, scratch); }
