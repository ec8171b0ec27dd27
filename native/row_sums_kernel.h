// The row-sums and row-dots kernels (row_sums.h), written once for every vector width V. Per output row, a block of
// ACC vectors of columns is accumulated in registers over the row's entries (one weight broadcast and
// ACC fused multiply-adds per entry), then single vectors, then scalar columns. Rows of x are read in
// place: nothing is gathered into memory first.
//
// Included by one file per instruction set, after its `#pragma GCC target` (see dot_top_k_kernel.h
// for why everything here is file-local).
#include <cstring>
#include "row_sums.h"
#include "vectors.h"

namespace {

/** Columns [c, c + ACC·lanes) of one output row. */
template <typename V, int ACC> inline void sumBlock(const RowSumsJob& job, int row, int c) {
  constexpr int lanes = sizeof(V) / sizeof(float);
  V acc[ACC];
  for (int a = 0; a < ACC; a++) acc[a] = V{} ;
  const size_t cols = static_cast<size_t>(job.cols);
  for (int e = job.ptr[row]; e < job.ptr[row + 1]; e++) {
    const float* src = job.x + static_cast<size_t>(job.index[e]) * cols + c;
    const float w = job.weight[job.weightAt ? job.weightAt[e] : e];
    for (int a = 0; a < ACC; a++) acc[a] += w * loadVector<V>(src + a * lanes);
  }
  const size_t at = static_cast<size_t>(row) * cols + c;
  if (job.plus) for (int a = 0; a < ACC; a++) acc[a] += loadVector<V>(job.plus + at + a * lanes);
  for (int a = 0; a < ACC; a++) storeVector(job.out + at + a * lanes, acc[a] * job.scale);
}

template <typename V, int ACC> void sumRows(const RowSumsJob& job, int from, int to) {
  constexpr int lanes = sizeof(V) / sizeof(float);
  const int cols = job.cols;
  const size_t stride = static_cast<size_t>(cols);
  for (int row = from; row < to; row++) {
    int c = 0;
    for (; c + ACC * lanes <= cols; c += ACC * lanes) sumBlock<V, ACC>(job, row, c);
    for (; c + lanes <= cols; c += lanes) sumBlock<V, 1>(job, row, c);
    for (; c < cols; c++) {
      float acc = 0;
      for (int e = job.ptr[row]; e < job.ptr[row + 1]; e++) acc += job.weight[job.weightAt ? job.weightAt[e] : e] * job.x[static_cast<size_t>(job.index[e]) * stride + c];
      const size_t at = static_cast<size_t>(row) * stride + c;
      job.out[at] = (job.plus ? acc + job.plus[at] : acc) * job.scale;
    }
  }
}

/** The lanes of v summed as a tree (halves added, log₂ lanes deep): one fixed order. */
template <typename V> inline float sumOfLanes(V v) {
  constexpr int lanes = sizeof(V) / sizeof(float);
  float t[lanes];
  memcpy(t, &v, sizeof(V));
  for (int width = lanes / 2; width >= 1; width /= 2) {
    for (int i = 0; i < width; i++) t[i] += t[i + width];
  }
  return t[0];
}

/** ⟨x, y⟩ over cols: two vector accumulators over column pairs, a single vector, the lanes, then the scalar tail. */
template <typename V> inline float dot(const float* x, const float* y, size_t cols) {
  constexpr size_t lanes = sizeof(V) / sizeof(float);
  V a0{}, a1{};
  size_t c = 0;
  for (; c + 2 * lanes <= cols; c += 2 * lanes) {
    a0 += loadVector<V>(x + c) * loadVector<V>(y + c);
    a1 += loadVector<V>(x + c + lanes) * loadVector<V>(y + c + lanes);
  }
  for (; c + lanes <= cols; c += lanes) a0 += loadVector<V>(x + c) * loadVector<V>(y + c);
  float s = sumOfLanes(a0 + a1);
  for (; c < cols; c++) s += x[c] * y[c];
  return s;
}

/** Entries of rows [from, to): each entry's dot product with its row of y (two entries at a time measured no faster). */
template <typename V> void dotRows(const RowDotsJob& job, int from, int to) {
  const size_t cols = static_cast<size_t>(job.cols);
  for (int row = from; row < to; row++) {
    const float* y = job.y + static_cast<size_t>(row) * cols;
    for (int e = job.ptr[row]; e < job.ptr[row + 1]; e++) {
      job.out[job.outAt ? job.outAt[e] : e] = dot<V>(job.x + static_cast<size_t>(job.index[e]) * cols, y, cols);
    }
  }
}

}  // namespace
