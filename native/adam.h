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
