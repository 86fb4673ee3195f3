/* Conventions shared by every public exbpf header: export marker, log buffers, errors.
 * Fallible calls return 0 (or a count) on success and a negative errno on failure, and write
 * one line naming the problem into the caller's log buffer when one is given. */
#ifndef EXBPF_COMMON_H
#define EXBPF_COMMON_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define EXBPF_API __attribute__((visibility("default")))

/* Options structs begin with their size, so that they can grow without breaking callers
 * (libbpf's convention). Zero-initialise and set sz = sizeof(struct ...). */
#define EXBPF_OPTS(TYPE, NAME, ...) struct TYPE NAME = {.sz = sizeof(struct TYPE), __VA_ARGS__}

/* exbpf's own program type, beside Linux's enum bpf_prog_type: r1 = data, r2 = its length,
 * for embedders whose programs work on a plain buffer. Section name "raw". */
#define EXBPF_PROG_TYPE_RAW 1000u

#ifdef __cplusplus
}
#endif

#endif
