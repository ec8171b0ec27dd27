// Adam's update of one parameter in place, elementwise in float32 and in the order the train-step
// graph's optimiser (src/nn/optim.ts) computes it:
//   g = grad (+ extra) (+ weightDecay · p)
//   m = m · β1 + g · (1 − β1);  v = v · β2 + g² · (1 − β2)
//   p = p − m / (√v / √bc2 + ε) · stepSize,  stepSize = lr / bc1
#include "adam.h"

void adamUpdate(const AdamJob& job, size_t from, size_t to) {
  const AdamHyper& h = job.h;
  for (size_t j = from; j < to; j++) {
    float g = job.grad[j];
    if (job.extra) g = job.extra[j] + g;
    if (h.weightDecay != 0) g = g + job.param[j] * h.weightDecay;
    const float m = job.m[j] * h.beta1 + g * h.oneMinusBeta1;
    const float v = job.v[j] * h.beta2 + (g * g) * h.oneMinusBeta2;
    const float denom = __builtin_sqrtf(v) / h.sqrtBc2 + h.eps;
    job.m[j] = m;
    job.v[j] = v;
    job.param[j] = job.param[j] - (m / denom) * h.stepSize;
  }
}
