/* bpf_strtol / bpf_strtoul (Linux's parse: white space, a sign, the base from flags or from a
 * "0x" / "0" prefix, digits to the first that does not belong; the bytes used, or -EINVAL /
 * -ERANGE with the result 0), bpf_csum_update (exbpf's skbs, like Linux's test runs, carry
 * no device checksum: -ENOTSUPP) and bpf_get_netns_cookie. Each checked against Linux with
 * `exbpf test --engine kernel`. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/exbpf_test.h>

char LICENSE[] SEC("license") = "GPL";

/* used * 1000 + value, or the error. */
#define UL(s, flags)                                                                               \
	({                                                                                         \
		char b_[] = s;                                                                     \
		unsigned long r_ = 1;                                                              \
		long n_ = bpf_strtoul(b_, sizeof(b_) - 1, flags, &r_);                             \
		n_ < 0 ? (r_ ? -1000 : n_) : n_ * 1000 + (long)r_;                                 \
	})
#define L(s, flags)                                                                                \
	({                                                                                         \
		char b_[] = s;                                                                     \
		long r_ = 1;                                                                       \
		long n_ = bpf_strtol(b_, sizeof(b_) - 1, flags, &r_);                              \
		n_ < 0 ? (r_ ? -1000 : n_) : n_ * 1000 + r_;                                       \
	})

SEC("tc") __success __retval(5123)
int decimal_after_space(struct __sk_buff *skb) { return UL("  123x", 10); }

SEC("tc") __success __retval(4255)
int hex_guessed(struct __sk_buff *skb) { return UL("0xff", 0); }

SEC("tc") __success __retval(4255)
int hex_prefix_skipped(struct __sk_buff *skb) { return UL("0XfF", 16); }

SEC("tc") __success __retval(3008)
int octal_guessed(struct __sk_buff *skb) { return UL("010", 0); }

/* "0x" without a hex digit: octal 0, one byte used. */
SEC("tc") __success __retval(1000)
int lone_0x(struct __sk_buff *skb) { return UL("0xg", 0); }

SEC("tc") __success __retval(-22)
int no_digit(struct __sk_buff *skb) { return UL(" +5", 10); }

/* The kernel's white space: its Latin-1 no-break space too, but not 0x85. */
SEC("tc") __success __retval(3005)
int kernel_space(struct __sk_buff *skb) { return UL("\v\xa0" "5", 10); }

SEC("tc") __success __retval(-22)
int not_space(struct __sk_buff *skb) { return UL("\x85" "5", 10); }

SEC("tc") __success __retval(-22)
int bad_base(struct __sk_buff *skb) { return UL("5", 7); }

SEC("tc") __success __retval(-22)
int bad_flags(struct __sk_buff *skb) { return UL("5", 0x20 | 10); }

SEC("tc") __success __retval(-22)
int unsigned_negative(struct __sk_buff *skb) { return UL("-5", 10); }

SEC("tc") __success __retval(-34)
int overflow(struct __sk_buff *skb) { return UL("18446744073709551616", 10); }

SEC("tc") __success __retval(1)
int max_u64(struct __sk_buff *skb)
{
	char b[] = "18446744073709551615";
	unsigned long r = 0;

	return bpf_strtoul(b, sizeof(b) - 1, 10, &r) == 20 && r == ~0ul;
}

SEC("tc") __success __retval(2958)
int negative(struct __sk_buff *skb) { return L("-42", 10); }

SEC("tc") __success __retval(-34)
int below_long(struct __sk_buff *skb) { return L("-9223372036854775809", 10); }

SEC("tc") __success __retval(1)
int min_long(struct __sk_buff *skb)
{
	char b[] = "-9223372036854775808";
	long r = 0;

	return bpf_strtol(b, sizeof(b) - 1, 10, &r) == 20 && r == (long)0x8000000000000000ul;
}

/* Only the bytes given count: "12" of "1234". */
SEC("tc") __success __retval(2012)
int length_bounds(struct __sk_buff *skb)
{
	char b[] = "1234";
	unsigned long r = 0;
	long n = bpf_strtoul(b, 2, 10, &r);

	return n * 1000 + r;
}

/* The sign and the spaces are all there is. */
SEC("tc") __success __retval(-22)
int only_sign(struct __sk_buff *skb) { return L("  -", 10); }

SEC("tc") __success __retval(-524)
int csum_update_none(struct __sk_buff *skb) { return bpf_csum_update(skb, 5); }

/* The network namespace's cookie: the one Linux gives a packet of the caller's namespace. */
SEC("tc") __success __retval(1)
int netns_cookie_nonzero(struct __sk_buff *skb)
{
	__u64 c = bpf_get_netns_cookie(skb);

	return c != 0 && c == bpf_get_netns_cookie(skb);
}
