// The vector types and the unaligned vector loads and stores shared by the per-instruction-set
// kernels (dot_top_k_kernel.h, row_sums_kernel.h, adam_kernel.h). File-local like them (unnamed
// namespace); each isa_*.cc file includes it once, after its target is set.
#pragma once
#include <cstring>

namespace {

typedef float f32x16 __attribute__((vector_size(64)));
typedef float f32x8 __attribute__((vector_size(32)));
typedef float f32x4 __attribute__((vector_size(16)));

template <typename V> inline V loadVector(const float* p) { V v; memcpy(&v, p, sizeof(V)); return v; }
template <typename V> inline void storeVector(float* p, V v) { memcpy(p, &v, sizeof(V)); }

}  // namespace
