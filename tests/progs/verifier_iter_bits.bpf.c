/* The bits iterator (bpf_iter_bits_new/next/destroy): the set bits of some 64-bit words,
 * copied when it starts, from memory the verifier does not type. The verifier tracks it like
 * any open-coded iterator (new() before next(), destroy() on every path). Checked against
 * Linux with `exbpf test --engine kernel`. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_loops.h>
#include <bpf/bpf_exceptions.h>
#include <bpf/exbpf_test.h>

char LICENSE[] SEC("license") = "GPL";

SEC("syscall") __success __retval(10)
int one_word(void *ctx)
{
	__u64 w = 0xf7310; /* 4 + 3 + 2 + 1 bits */
	int n = 0, *bit;

	bpf_for_each(bits, bit, &w, 1)
		n++;
	return n;
}

/* More than 64 bits: the copy lives outside the iterator. */
SEC("syscall") __success __retval(64)
int two_words(void *ctx)
{
	__u64 w[2];
	int n = 0, *bit;

	__builtin_memset(w, 0xf0, sizeof(w));
	bpf_for_each(bits, bit, &w[0], 2)
		n++;
	return n;
}

/* Indexes count across words: the last set bit of three words. */
SEC("syscall") __success __retval(129)
int index_across_words(void *ctx)
{
	__u64 w[3] = {0x1, 0, 0x2};
	int last = -1, *bit;

	bpf_for_each(bits, bit, &w[0], 3)
		last = *bit;
	return last;
}

/* The words are copied at new(): later stores do not change what it yields. */
SEC("syscall") __success __retval(1)
int copied_at_new(void *ctx)
{
	__u64 w[2] = {0x1, 0};
	struct bpf_iter_bits it;
	int n = 0;

	bpf_iter_bits_new(&it, &w[0], 2);
	w[1] = 0xff;
	while (bpf_iter_bits_next(&it))
		n++;
	bpf_iter_bits_destroy(&it);
	return n;
}

SEC("syscall") __success __retval(-22)
int null_words(void *ctx)
{
	struct bpf_iter_bits it;
	int err = bpf_iter_bits_new(&it, 0, 1);

	if (bpf_iter_bits_next(&it))
		err = 1;
	bpf_iter_bits_destroy(&it);
	return err;
}

SEC("syscall") __success __retval(-22)
int zero_words(void *ctx)
{
	__u64 w = 1;
	struct bpf_iter_bits it;
	int err = bpf_iter_bits_new(&it, &w, 0);

	if (bpf_iter_bits_next(&it))
		err = 1;
	bpf_iter_bits_destroy(&it);
	return err;
}

SEC("syscall") __success __retval(-7)
int too_many_words(void *ctx)
{
	__u64 w[4] = {};
	struct bpf_iter_bits it;
	int err = bpf_iter_bits_new(&it, &w[0], 512);

	if (bpf_iter_bits_next(&it))
		err = 1;
	bpf_iter_bits_destroy(&it);
	return err;
}

/* An address nothing is mapped at: -EFAULT, and nothing to iterate. (More words than one
 * give Linux's probe-read error there, -ERANGE for an address below the kernel's.) */
SEC("syscall") __success __retval(-14)
int unmapped_word(void *ctx)
{
	struct bpf_iter_bits it;
	int err = bpf_iter_bits_new(&it, (void *)8, 1);

	if (bpf_iter_bits_next(&it))
		err = 1;
	bpf_iter_bits_destroy(&it);
	return err;
}

SEC("syscall") __failure __msg("Unreleased reference")
int no_destroy(void *ctx)
{
	struct bpf_iter_bits it;
	__u64 w = 1;

	bpf_iter_bits_new(&it, &w, 1);
	bpf_iter_bits_next(&it);
	return 0;
}

SEC("syscall") __failure __msg("expected an initialized iter_bits as arg #0")
int next_uninit(void *ctx)
{
	struct bpf_iter_bits it = {};

	bpf_iter_bits_next(&it);
	return 0;
}

/* A throw with a copy held: exbpf's runtime frees it (Linux refuses the throw). */
SEC("syscall") __failure __msg("bpf_throw would lead to reference leak")
__exbpf_success __exbpf_retval(7)
int throw_with_copy(void *ctx)
{
	__u64 w[2] = {0x3, 0x3};
	int *bit;

	bpf_for_each(bits, bit, &w[0], 2)
		if (*bit == 64)
			bpf_throw(7);
	return 0;
}
