/* bpf_l3_csum_replace / bpf_l4_csum_replace: the 16-bit checksum at an offset of the packet,
 * updated for a 2- or 4-byte change or a difference (Linux's one's-complement arithmetic on
 * the field as stored), with the l4 flags for UDP's zero checksum. Each result (the field
 * afterwards, or the error) checked against Linux with `exbpf test --engine kernel`. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/exbpf_test.h>

char LICENSE[] SEC("license") = "GPL";

#define OFF 24

/* The field set to init, the call made, then the field (or the call's error). */
static long field_after(struct __sk_buff *skb, __u16 init, int l4, __u64 from, __u64 to,
			__u64 flags)
{
	__u16 v = init;
	long err;

	if (bpf_skb_store_bytes(skb, OFF, &v, 2, 0))
		return -1000;
	err = l4 ? bpf_l4_csum_replace(skb, OFF, from, to, flags)
		 : bpf_l3_csum_replace(skb, OFF, from, to, flags);
	if (err)
		return err;
	if (bpf_skb_load_bytes(skb, OFF, &v, 2))
		return -1001;
	return v;
}

SEC("tc") __success __retval(0xdf02)
int l3_two_bytes(struct __sk_buff *skb) { return field_after(skb, 0x1234, 0, 0x0a0b, 0x3d3c, 2); }

SEC("tc") __success __retval(0x10c9)
int l3_four_bytes(struct __sk_buff *skb) { return field_after(skb, 0x1234, 0, 0x0a000001, 0x0a00016c, 4); }

SEC("tc") __success __retval(0x1233)
int l3_diff(struct __sk_buff *skb) { return field_after(skb, 0x1234, 0, 0, 1, 0); }

SEC("tc") __success __retval(-22)
int l3_diff_with_from(struct __sk_buff *skb) { return field_after(skb, 0x1234, 0, 1, 1, 0); }

SEC("tc") __success __retval(-22)
int l3_bad_size(struct __sk_buff *skb) { return field_after(skb, 0x1234, 0, 1, 2, 3); }

SEC("tc") __success __retval(-22)
int l3_bad_flag(struct __sk_buff *skb) { return field_after(skb, 0x1234, 0, 1, 2, BPF_F_PSEUDO_HDR | 2); }

SEC("tc") __success __retval(-14)
int l3_odd_offset(struct __sk_buff *skb) { return bpf_l3_csum_replace(skb, 25, 1, 2, 2); }

SEC("tc") __success __retval(-14)
int l3_past_packet(struct __sk_buff *skb) { return bpf_l3_csum_replace(skb, 64, 1, 2, 2); }

SEC("tc") __success __retval(0xdf02)
int l4_two_bytes(struct __sk_buff *skb) { return field_after(skb, 0x1234, 1, 0x0a0b, 0x3d3c, 2); }

SEC("tc") __success __retval(0x10c9)
int l4_pseudo(struct __sk_buff *skb)
{
	return field_after(skb, 0x1234, 1, 0x0a000001, 0x0a00016c, BPF_F_PSEUDO_HDR | 4);
}

/* UDP's "no checksum" stays zero with BPF_F_MARK_MANGLED_0 ... */
SEC("tc") __success __retval(0)
int l4_zero_kept(struct __sk_buff *skb) { return field_after(skb, 0, 1, 1, 2, BPF_F_MARK_MANGLED_0 | 2); }

/* ... unless enforced; a result of zero is written 0xffff. */
SEC("tc") __success __retval(0xfffe)
int l4_zero_enforced(struct __sk_buff *skb)
{
	return field_after(skb, 0, 1, 1, 2, BPF_F_MARK_MANGLED_0 | BPF_F_MARK_ENFORCE | 2);
}

SEC("tc") __success __retval(0xffff)
int l4_mangled_zero(struct __sk_buff *skb) { return field_after(skb, 0xfffe, 1, 0, 0xfffe, BPF_F_MARK_MANGLED_0); }

SEC("tc") __success __retval(0x0)
int l4_plain_zero(struct __sk_buff *skb) { return field_after(skb, 0xfffe, 1, 0, 0xfffe, 0); }

SEC("tc") __success __retval(-22)
int l4_bad_flag(struct __sk_buff *skb) { return field_after(skb, 0x1234, 1, 1, 2, (1ull << 8) | 2); }
