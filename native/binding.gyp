{
  "targets": [
    {
      "target_name": "sgfd_native",
      "conditions": [
        ["target_arch == 'x64'", {
          "sources": ["addon.cc", "isa_avx512.cc", "isa_avx2.cc", "isa_sse2.cc", "adam.cc", "pair_scores.cc"],
          "cflags_cc": ["-O3", "-std=c++17", "-ffp-contract=fast"],
          "xcode_settings": {
            "GCC_OPTIMIZATION_LEVEL": "3",
            "CLANG_CXX_LANGUAGE_STANDARD": "c++17",
            "OTHER_CPLUSPLUSFLAGS": ["-ffp-contract=fast"]
          }
        }]
      ]
    }
  ]
}
