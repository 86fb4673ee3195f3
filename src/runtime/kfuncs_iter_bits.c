/* The bits iterator (Linux's bpf_iter_bits_*): the set bits of nr_words 64-bit words, lowest
 * first. new() copies the words, as Linux does, from memory the verifier does not type (an
 * `__ign` argument), as the probe reads do (rt_read_nofault). Up to 64 bits live in the
 * iterator itself; more in a copy the run holds, so that a throw frees it. */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/helpers.h"
#include "runtime/kfuncs.h"

#define H(name) static RT_HELPER(name)
#define BITS_MAX_WORDS 511 /* Linux's BITS_ITER_NR_WORDS_MAX */

/* Linux's layout of struct bpf_iter_bits (16 bytes): the words or the copy, the number of
 * bits, the last bit returned. */
struct rt_iter_bits {
	union {
		uint64_t *words;
		uint64_t word;
	};
	int32_t nr_bits, bit;
};

_Static_assert(sizeof(struct rt_iter_bits) == 16, "struct bpf_iter_bits is 16 bytes");

/* A copy of more than one word: its size travels with it, so that a forged nr_bits in an
 * unverified run cannot read past it. */
struct bits_copy {
	uint32_t nr_words;
	uint64_t words[];
};

static struct bits_copy *copy_of(const uint64_t *words)
{
	return (struct bits_copy *)((char *)words - offsetof(struct bits_copy, words));
}

static struct rt_iter_bits *iter_arg(struct exbpf_run *run, uint64_t r1, const char *what)
{
	return rt_arg_mem(run, r1, sizeof(struct rt_iter_bits), true, what)
		       ? (struct rt_iter_bits *)(uintptr_t)r1
		       : NULL;
}

H(rt_iter_bits_new)
{
	struct rt_iter_bits *it = iter_arg(run, r1, "bpf_iter_bits_new iterator");
	uint32_t nr_words = (uint32_t)r3;
	struct bits_copy *c;
	int err;

	(void)r4, (void)r5;
	if (!it)
		return 0;
	it->word = 0;
	it->nr_bits = 0;
	it->bit = -1;
	if (!r2 || !nr_words)
		return (uint64_t)-EINVAL;
	if (nr_words > BITS_MAX_WORDS)
		return (uint64_t)-E2BIG;
	if (nr_words == 1) {
		if ((err = rt_read_nofault(run, &it->word, r2, sizeof(uint64_t))))
			return (uint64_t)(int64_t)err;
		it->nr_bits = 64;
		return 0;
	}
	c = malloc(sizeof(*c) + nr_words * sizeof(uint64_t));
	if (!c)
		return (uint64_t)-ENOMEM;
	c->nr_words = nr_words;
	if ((err = rt_read_nofault(run, c->words, r2, nr_words * sizeof(uint64_t)))) {
		free(c);
		return (uint64_t)(int64_t)err;
	}
	if (!rt_hold(run, c->words, RT_HELD_ITER_BITS)) {
		free(c);
		return 0;
	}
	it->words = c->words;
	it->nr_bits = (int32_t)(nr_words * 64);
	return 0;
}

/* The words of it (NULL: the run failed): a checked run accepts only a copy it holds. */
static const uint64_t *words_of(struct exbpf_run *run, const struct rt_iter_bits *it, int32_t *nr_bits)
{
	const struct bits_copy *c;

	*nr_bits = it->nr_bits;
	if (it->nr_bits <= 64)
		return &it->word;
	if (run->checked && !rt_holds(run, it->words, RT_HELD_ITER_BITS)) {
		vm_run_fail(run, -EFAULT, "bpf_iter_bits_next: the iterator's words are not a copy this run holds");
		return NULL;
	}
	c = copy_of(it->words);
	if ((uint64_t)*nr_bits > (uint64_t)c->nr_words * 64)
		*nr_bits = (int32_t)(c->nr_words * 64);
	return it->words;
}

H(rt_iter_bits_next)
{
	struct rt_iter_bits *it = iter_arg(run, r1, "bpf_iter_bits_next iterator");
	const uint64_t *w;
	int32_t nr_bits, bit;

	(void)r2, (void)r3, (void)r4, (void)r5;
	if (!it || it->nr_bits <= 0 || it->bit >= it->nr_bits || !(w = words_of(run, it, &nr_bits)))
		return 0;
	for (bit = it->bit < 0 ? 0 : it->bit + 1; bit < nr_bits; bit++) {
		uint64_t rest = w[bit / 64] >> (bit % 64);

		if (rest) {
			bit += __builtin_ctzll(rest);
			break;
		}
		bit |= 63; /* the rest of this word is zero */
	}
	if (bit >= nr_bits) {
		it->bit = nr_bits;
		return 0;
	}
	it->bit = bit;
	return (uintptr_t)&it->bit;
}

H(rt_iter_bits_destroy)
{
	struct rt_iter_bits *it = iter_arg(run, r1, "bpf_iter_bits_destroy iterator");

	(void)r2, (void)r3, (void)r4, (void)r5;
	if (!it || it->nr_bits <= 64)
		return 0;
	if (rt_unhold(run, (uintptr_t)it->words, RT_HELD_ITER_BITS, "bpf_iter_bits_destroy"))
		rt_iter_bits_free(it->words);
	it->nr_bits = 0;
	return 0;
}

void rt_iter_bits_free(void *words)
{
	free(copy_of(words));
}

#define A(k) EXBPF_ARG_##k

const struct rt_kfunc rt_iter_bits_kfuncs[] = {
	{"bpf_iter_bits_new", rt_iter_bits_new,
	 {.flags = EXBPF_FN_ITER_NEW, .args = {A(PTR_TO_ITER), A(ANYTHING), A(SCALAR)}, .iter_size = 16}},
	{"bpf_iter_bits_next", rt_iter_bits_next,
	 {.ret = EXBPF_RET_MEM_OR_NULL, .ret_size = 4, .flags = EXBPF_FN_ITER_NEXT,
	  .args = {A(PTR_TO_ITER)}, .iter_size = 16}},
	{"bpf_iter_bits_destroy", rt_iter_bits_destroy,
	 {.ret = EXBPF_RET_VOID, .flags = EXBPF_FN_ITER_DESTROY, .args = {A(PTR_TO_ITER)}, .iter_size = 16}},
};

const size_t rt_iter_bits_nkfuncs = sizeof(rt_iter_bits_kfuncs) / sizeof(rt_iter_bits_kfuncs[0]);
