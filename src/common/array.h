/* The one growth helper for dynamic arrays: overflow-checked, amortised doubling. */
#ifndef EXBPF_COMMON_ARRAY_H
#define EXBPF_COMMON_ARRAY_H

#include <stddef.h>

/* Ensures *arr has room for `need` elements of `elem_size` bytes, growing *cap.
 * Returns 0 or -ENOMEM (then *arr and *cap are unchanged). New room is not zeroed. */
int array_reserve(void **arr, size_t *cap, size_t need, size_t elem_size);

/* Typed convenience: ARRAY_RESERVE(p, cap, n) with p of type T*. */
#define ARRAY_RESERVE(p, cap, need) array_reserve((void **)&(p), &(cap), (need), sizeof(*(p)))

#endif
