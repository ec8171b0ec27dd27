{
  "targets": [
    {
      "target_name": "sgfd_native",
      "conditions": [
        ["target_arch == 'x64'", {
          "sources": ["addon.cc", "dot_top_k_avx512.cc", "dot_top_k_avx2.cc", "dot_top_k_sse2.cc"],
          "cflags_cc": ["-O3", "-std=c++17", "-ffp-contract=fast"]
        }]
      ]
    }
  ]
}
