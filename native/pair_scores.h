// The fused pair-score bindings (pair_scores.cc), exported by addon.cc.
#pragma once
#include <node_api.h>

napi_value AttentiveScores(napi_env env, napi_callback_info info);
napi_value TowerScores(napi_env env, napi_callback_info info);
napi_value RankRows(napi_env env, napi_callback_info info);
