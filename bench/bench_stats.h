/* What the benchmarks share: the clock, sorting and the median of repeated timings. */
#ifndef EXBPF_BENCH_STATS_H
#define EXBPF_BENCH_STATS_H

#include <stddef.h>
#include <stdlib.h>
#include <time.h>

/* Monotonic time in ns. */
static inline double bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static inline int bench_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Sorts v[0..n) in place and returns its median. */
static inline double bench_median(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), bench_cmp_double);
	return v[n / 2];
}

#endif
