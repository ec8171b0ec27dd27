// The fused dot-product top-k kernel's interface (see dot_top_k_kernel.h for how it works).
#pragma once
#include <cstdint>

/** Items per packed panel: the item table is stored [panel][dim][PANEL] (packItemPanels in TS). */
constexpr int PANEL = 16;
/** Rows of users a thread's share is rounded to, and the most rows a kernel tile has. */
constexpr int USER_BLOCK = 8;
/** The most items a kernel tile has. */
constexpr int MAX_TILE_ITEMS = 64;

struct DotTopKJob {
  const float* users;           // [nUsers, dim]
  int nUsers, dim;
  const float* panels;          // [ceil(nItems / PANEL), dim, PANEL], zero past nItems
  int nItems;
  const int32_t* excludedPtr;   // [nUsers + 1] offsets into excludedItems
  const int32_t* excludedItems; // per user ascending
  int k;
  int capacity;                 // candidates a user may hold: at least k + MAX_TILE_ITEMS + PANEL (a vector of slack)
  float* scores;                // [nUsers, capacity]: each user's candidates' scores, in no order
  int32_t* items;               // [nUsers, capacity]: and their items
  int32_t* kept;                // [nUsers]: how many slots are filled (at the end: its best ≤ k)
  float* floor;                 // [nUsers]: the k-th best score seen (−∞ before k are kept)
};

// One per instruction set, each compiled in its own file with its own target options. `scratch`
// holds USER_BLOCK × dim floats.
void dotTopKAvx512(const DotTopKJob& job, int from, int to, float* scratch);
void dotTopKAvx2(const DotTopKJob& job, int from, int to, float* scratch);
void dotTopKSse2(const DotTopKJob& job, int from, int to, float* scratch);
