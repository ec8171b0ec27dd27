// Adam's in-place update of one parameter (adam.cc).
#pragma once
#include <cstddef>

struct AdamHyper { float beta1, oneMinusBeta1, beta2, oneMinusBeta2, sqrtBc2, eps, stepSize, weightDecay; };

struct AdamJob {
  float* param;
  float* m;
  float* v;
  const float* grad;
  const float* extra;  // a second gradient added to grad, or null
  AdamHyper h;
};

void adamUpdate(const AdamJob& job, size_t from, size_t to);

// One per instruction set (isa_*.cc, adam_kernel.h): elements [from, to) in whole vectors, bit for bit
// adamUpdate's; returns the first element left for adamUpdate (fewer than one vector).
size_t adamAvx512(const AdamJob& job, size_t from, size_t to);
size_t adamAvx2(const AdamJob& job, size_t from, size_t to);
size_t adamSse2(const AdamJob& job, size_t from, size_t to);
