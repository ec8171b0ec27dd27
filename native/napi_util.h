// N-API argument helpers and the instruction-set choice shared by the addon's bindings (addon.cc,
// pair_scores.cc). File-local (unnamed namespace): each file that includes it gets its own copy.
#pragma once
#include <node_api.h>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {

napi_value fail(napi_env env, const char* kernel, const std::string& message) {
  napi_throw_error(env, nullptr, (std::string(kernel) + ": " + message).c_str());
  return nullptr;
}

template <typename T> bool typedArray(napi_env env, napi_value v, napi_typedarray_type want, T** data, size_t* length) {
  bool is = false;
  if (napi_is_typedarray(env, v, &is) != napi_ok || !is) return false;
  napi_typedarray_type type;
  napi_value buffer;
  size_t offset;
  if (napi_get_typedarray_info(env, v, &type, length, reinterpret_cast<void**>(data), &buffer, &offset) != napi_ok) return false;
  return type == want;
}

bool int32Arg(napi_env env, napi_value v, int32_t* out) { return napi_get_value_int32(env, v, out) == napi_ok; }

/** Exactly N arguments into `a`. */
template <size_t N> bool arguments(napi_env env, napi_callback_info info, napi_value (&a)[N]) {
  size_t argc = N;
  return napi_get_cb_info(env, info, &argc, a, nullptr, nullptr) == napi_ok && argc == N;
}

enum class Isa { avx512, avx2, sse2 };

/**
 * The widest instruction set this CPU has; SGFD_NATIVE_ISA=avx2 or sse2 caps it (the tests run every
 * kernel that way).
 */
Isa widestIsa() {
  __builtin_cpu_init();
  const char* cap = getenv("SGFD_NATIVE_ISA");
  const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && !(cap && !strcmp(cap, "sse2"));
  if (__builtin_cpu_supports("avx512f") && avx2 && !(cap && !strcmp(cap, "avx2"))) return Isa::avx512;
  return avx2 ? Isa::avx2 : Isa::sse2;
}

/** The one of three per-ISA choices (a kernel, a tile width) that `isa` takes. */
template <typename T> T byIsa(Isa isa, T avx512, T avx2, T sse2) { return isa == Isa::avx512 ? avx512 : isa == Isa::avx2 ? avx2 : sse2; }

}  // namespace
