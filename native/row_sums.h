// Weighted sums of table rows (a sparse × dense product, CSR): out[r] = scale · (Σ_e w_e · x[index[e]]
// + plus[r]) over e in [ptr[r], ptr[r + 1]), w_e = weight[e] or weight[weightAt[e]], plus optional; each output row summed in entry order (so
// the result does not depend on how rows are split between threads). See row_sums_kernel.h.
#pragma once
#include <cstdint>

struct RowSumsJob {
  const float* x;         // [xRows, cols]
  int cols;
  const int32_t* ptr;     // [rows + 1] offsets into index / weight
  const int32_t* index;   // rows of x, each < xRows
  const float* weight;    // one per entry of index, or read through weightAt
  const int32_t* weightAt; // null, or entry e's weight is weight[weightAt[e]]
  const float* plus;      // [rows, cols] or null; may be out itself
  float scale;
  float* out;             // [rows, cols]
};

// Dot products of table rows along the same CSR structure (a sampled dense × denseᵀ product):
// out[e] = ⟨x[index[e]], y[r]⟩ for e in [ptr[r], ptr[r + 1]); one value per entry, each summed in one
// fixed order.
struct RowDotsJob {
  const float* x;         // [xRows, cols]
  const float* y;         // [rows, cols]
  int cols;
  const int32_t* ptr;     // [rows + 1] offsets into index / out
  const int32_t* index;   // rows of x, each < xRows
  float* out;             // one per entry of index
  const int32_t* outAt;   // null, or entry e's value goes to out[outAt[e]] (a permutation)
};

// One per instruction set (isa_*.cc): output rows [from, to).
void rowSumsAvx512(const RowSumsJob& job, int from, int to);
void rowSumsAvx2(const RowSumsJob& job, int from, int to);
void rowSumsSse2(const RowSumsJob& job, int from, int to);
void rowDotsAvx512(const RowDotsJob& job, int from, int to);
void rowDotsAvx2(const RowDotsJob& job, int from, int to);
void rowDotsSse2(const RowDotsJob& job, int from, int to);
