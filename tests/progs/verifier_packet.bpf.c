/* Direct packet access (xdp, tc, cgroup_skb): a byte of the packet is readable only after a
 * comparison of data + N with data_end proved it present; data_end itself takes no arithmetic;
 * helpers that may move the packet invalidate earlier pointers; cgroup_skb may not write. Each
 * pair: the last byte the comparison covers, then the next one. Checked against Linux by
 * `exbpf test --engine kernel` (test runs on 64 zero bytes). */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/exbpf_test.h>

char LICENSE[] SEC("license") = "GPL";

#define XDP(f) __imm_const(f, offsetof(struct xdp_md, f))
#define SKB(f) __imm_const(f, offsetof(struct __sk_buff, f))

/* r2 = data, r3 = data_end (xdp) */
#define XDP_PKT                                                                                  \
	"r2 = *(u32 *)(r1 + %[data]);\n"                                                         \
	"r3 = *(u32 *)(r1 + %[data_end]);\n"

/* Without a comparison no byte is readable; after data + 1 <= data_end the first one is. */
SEC("xdp") __failure __msg("invalid access to packet, off=0 size=1, R2(id=0,off=0,r=0)")
__naked void no_bounds_check(void)
{
	asm volatile(XDP_PKT
		     "r0 = *(u8 *)(r2 + 0);\n"
		     "r0 = 2;\n"
		     "exit;\n" :: XDP(data), XDP(data_end) : __clobber_all);
}

SEC("xdp") __success __retval(2)
__naked void one_byte_checked(void)
{
	asm volatile(XDP_PKT
		     "r4 = r2;\n"
		     "r4 += 1;\n"
		     "if r4 > r3 goto l0_%=;\n"
		     "r0 = *(u8 *)(r2 + 0);\n"
		     "l0_%=:\n"
		     "r0 = 2;\n"
		     "exit;\n" :: XDP(data), XDP(data_end) : __clobber_all);
}

/* data + 8 <= data_end covers bytes 0-7: an 8-byte load at 0 fits, byte 8 does not. */
SEC("xdp") __success __retval(0)
__naked void eight_bytes_checked(void)
{
	asm volatile(XDP_PKT
		     "r4 = r2;\n"
		     "r4 += 8;\n"
		     "r0 = 1;\n"
		     "if r4 > r3 goto l0_%=;\n"
		     "r0 = *(u64 *)(r2 + 0);\n"
		     "l0_%=:\n"
		     "exit;\n" :: XDP(data), XDP(data_end) : __clobber_all);
}

SEC("xdp") __failure __msg("invalid access to packet, off=8 size=1, R2(id=0,off=8,r=8)")
__msg("R2 offset is outside of the packet")
__naked void byte_after_checked(void)
{
	asm volatile(XDP_PKT
		     "r4 = r2;\n"
		     "r4 += 8;\n"
		     "if r4 > r3 goto l0_%=;\n"
		     "r0 = *(u8 *)(r2 + 8);\n"
		     "l0_%=:\n"
		     "r0 = 2;\n"
		     "exit;\n" :: XDP(data), XDP(data_end) : __clobber_all);
}

SEC("xdp") __failure __msg("invalid access to packet, off=6 size=4, R2(id=0,off=6,r=8)")
__naked void word_crossing_checked(void)
{
	asm volatile(XDP_PKT
		     "r4 = r2;\n"
		     "r4 += 8;\n"
		     "if r4 > r3 goto l0_%=;\n"
		     "r0 = *(u32 *)(r2 + 6);\n"
		     "l0_%=:\n"
		     "r0 = 2;\n"
		     "exit;\n" :: XDP(data), XDP(data_end) : __clobber_all);
}

/* The comparison written the other way round (data_end >= data + 8) proves the same. */
SEC("xdp") __success __retval(2)
__naked void end_on_the_left(void)
{
	asm volatile(XDP_PKT
		     "r4 = r2;\n"
		     "r4 += 8;\n"
		     "if r3 < r4 goto l0_%=;\n"
		     "r0 = *(u8 *)(r2 + 7);\n"
		     "l0_%=:\n"
		     "r0 = 2;\n"
		     "exit;\n" :: XDP(data), XDP(data_end) : __clobber_all);
}

SEC("xdp") __failure __msg("invalid access to packet, off=8 size=1, R2(id=0,off=8,r=8)")
__naked void end_on_the_left_past(void)
{
	asm volatile(XDP_PKT
		     "r4 = r2;\n"
		     "r4 += 8;\n"
		     "if r3 < r4 goto l0_%=;\n"
		     "r0 = *(u8 *)(r2 + 8);\n"
		     "l0_%=:\n"
		     "r0 = 2;\n"
		     "exit;\n" :: XDP(data), XDP(data_end) : __clobber_all);
}

/* In the branch where data + 8 > data_end, r4 is known to point past the end. */
SEC("xdp") __failure __msg("R4 offset is outside of the packet")
__naked void access_in_failed_branch(void)
{
	asm volatile(XDP_PKT
		     "r4 = r2;\n"
		     "r4 += 8;\n"
		     "if r4 <= r3 goto l0_%=;\n"
		     "r0 = *(u8 *)(r4 - 1);\n"
		     "l0_%=:\n"
		     "r0 = 2;\n"
		     "exit;\n" :: XDP(data), XDP(data_end) : __clobber_all);
}

/* data_end takes no arithmetic at all. */
SEC("xdp") __failure __msg("R3 pointer arithmetic on pkt_end prohibited")
__naked void arith_on_data_end(void)
{
	asm volatile(XDP_PKT
		     "r3 += -1;\n"
		     "r0 = 2;\n"
		     "exit;\n" :: XDP(data), XDP(data_end) : __clobber_all);
}

/* A variable offset (masked to [0, 255]) needs its own comparison after it is added. */
SEC("xdp") __success __retval(2)
__naked void var_off_rechecked(void)
{
	asm volatile(XDP_PKT
		     "r4 = r2;\n"
		     "r4 += 1;\n"
		     "if r4 > r3 goto l0_%=;\n"
		     "r5 = *(u8 *)(r2 + 0);\n"
		     "r2 += r5;\n"
		     "r4 = r2;\n"
		     "r4 += 4;\n"
		     "if r4 > r3 goto l0_%=;\n"
		     "r0 = *(u32 *)(r2 + 0);\n"
		     "l0_%=:\n"
		     "r0 = 2;\n"
		     "exit;\n" :: XDP(data), XDP(data_end) : __clobber_all);
}

SEC("xdp") __failure __msg("invalid access to packet, off=0 size=4, R2(id=1,off=0,r=0)")
__naked void var_off_not_rechecked(void)
{
	asm volatile(XDP_PKT
		     "r4 = r2;\n"
		     "r4 += 8;\n"
		     "if r4 > r3 goto l0_%=;\n"
		     "r5 = *(u8 *)(r2 + 0);\n"
		     "r2 += r5;\n"
		     "r0 = *(u32 *)(r2 + 0);\n"
		     "l0_%=:\n"
		     "r0 = 2;\n"
		     "exit;\n" :: XDP(data), XDP(data_end) : __clobber_all);
}

/* xdp and tc may write checked packet bytes; cgroup_skb may only read them. */
SEC("xdp") __success __retval(2)
__naked void xdp_write_packet(void)
{
	asm volatile(XDP_PKT
		     "r4 = r2;\n"
		     "r4 += 4;\n"
		     "if r4 > r3 goto l0_%=;\n"
		     "r0 = 7;\n"
		     "*(u32 *)(r2 + 0) = r0;\n"
		     "l0_%=:\n"
		     "r0 = 2;\n"
		     "exit;\n" :: XDP(data), XDP(data_end) : __clobber_all);
}

SEC("cgroup_skb/ingress") __success __retval(1)
__naked void cgroup_read_packet(void)
{
	asm volatile("r2 = *(u32 *)(r1 + %[data]);\n"
		     "r3 = *(u32 *)(r1 + %[data_end]);\n"
		     "r4 = r2;\n"
		     "r4 += 4;\n"
		     "if r4 > r3 goto l0_%=;\n"
		     "r0 = *(u32 *)(r2 + 0);\n"
		     "l0_%=:\n"
		     "r0 = 1;\n"
		     "exit;\n" :: SKB(data), SKB(data_end) : __clobber_all);
}

SEC("cgroup_skb/ingress") __failure __msg("cannot write into packet")
__naked void cgroup_write_packet(void)
{
	asm volatile("r2 = *(u32 *)(r1 + %[data]);\n"
		     "r3 = *(u32 *)(r1 + %[data_end]);\n"
		     "r4 = r2;\n"
		     "r4 += 4;\n"
		     "if r4 > r3 goto l0_%=;\n"
		     "r0 = 7;\n"
		     "*(u32 *)(r2 + 0) = r0;\n"
		     "l0_%=:\n"
		     "r0 = 1;\n"
		     "exit;\n" :: SKB(data), SKB(data_end) : __clobber_all);
}

/* bpf_skb_store_bytes may move the packet: pointers taken before the call are dead after it;
 * loading skb->data again gives a usable one. */
#define STORE_ONE_BYTE                                                                           \
	"r1 = r6;\n"                                                                            \
	"r2 = 0;\n"                                                                             \
	"*(u64 *)(r10 - 8) = r2;\n"                                                            \
	"r3 = r10;\n"                                                                           \
	"r3 += -8;\n"                                                                           \
	"r4 = 1;\n"                                                                             \
	"r5 = 0;\n"                                                                             \
	"call %[bpf_skb_store_bytes];\n"

SEC("tc") __failure __msg("R7 invalid mem access 'scalar'")
__naked void stale_pointer_after_store(void)
{
	asm volatile("r6 = r1;\n"
		     "r7 = *(u32 *)(r6 + %[data]);\n"
		     "r8 = *(u32 *)(r6 + %[data_end]);\n"
		     "r4 = r7;\n"
		     "r4 += 4;\n"
		     "if r4 > r8 goto l0_%=;\n"
		     STORE_ONE_BYTE
		     "r0 = *(u32 *)(r7 + 0);\n"
		     "l0_%=:\n"
		     "r0 = 0;\n"
		     "exit;\n"
		     :: SKB(data), SKB(data_end), __imm(bpf_skb_store_bytes) : __clobber_all);
}

SEC("tc") __success __retval(0)
__naked void fresh_pointer_after_store(void)
{
	asm volatile("r6 = r1;\n"
		     STORE_ONE_BYTE
		     "r7 = *(u32 *)(r6 + %[data]);\n"
		     "r8 = *(u32 *)(r6 + %[data_end]);\n"
		     "r4 = r7;\n"
		     "r4 += 4;\n"
		     "if r4 > r8 goto l0_%=;\n"
		     "r0 = *(u32 *)(r7 + 0);\n"
		     "l0_%=:\n"
		     "r0 = 0;\n"
		     "exit;\n"
		     :: SKB(data), SKB(data_end), __imm(bpf_skb_store_bytes) : __clobber_all);
}

/* data_meta is bounded by data (not data_end): an unchecked metadata read is refused. */
SEC("xdp") __success __retval(2)
__naked void meta_checked_against_data(void)
{
	asm volatile("r2 = *(u32 *)(r1 + %[data_meta]);\n"
		     "r3 = *(u32 *)(r1 + %[data]);\n"
		     "r4 = r2;\n"
		     "r4 += 4;\n"
		     "if r4 > r3 goto l0_%=;\n"
		     "r0 = *(u32 *)(r2 + 0);\n"
		     "l0_%=:\n"
		     "r0 = 2;\n"
		     "exit;\n" :: XDP(data_meta), XDP(data) : __clobber_all);
}

SEC("xdp") __failure __msg("invalid access to packet, off=0 size=4, R2(id=0,off=0,r=0)")
__naked void meta_unchecked(void)
{
	asm volatile("r2 = *(u32 *)(r1 + %[data_meta]);\n"
		     "r0 = *(u32 *)(r2 + 0);\n"
		     "r0 = 2;\n"
		     "exit;\n" :: XDP(data_meta) : __clobber_all);
}

/* ... and only by data as the context gave it: checked against data + 4, the metadata pointer
 * learns nothing (meta + 4 <= data + 4 leaves no byte before data). */
SEC("xdp") __failure __msg("invalid access to packet, off=0 size=4, R2(id=0,off=0,r=0)")
__naked void meta_checked_against_moved_data(void)
{
	asm volatile("r2 = *(u32 *)(r1 + %[data_meta]);\n"
		     "r3 = *(u32 *)(r1 + %[data]);\n"
		     "r3 += 4;\n"
		     "r4 = r2;\n"
		     "r4 += 4;\n"
		     "if r4 > r3 goto l0_%=;\n"
		     "r0 = *(u32 *)(r2 + 0);\n"
		     "l0_%=:\n"
		     "r0 = 2;\n"
		     "exit;\n" :: XDP(data_meta), XDP(data) : __clobber_all);
}

/* A strict comparison proves one byte more: data + 7 < data_end leaves 8 bytes readable ... */
SEC("xdp") __success __retval(2)
__naked void strict_less_than_end(void)
{
	asm volatile("r2 = *(u32 *)(r1 + %[data]);\n"
		     "r3 = *(u32 *)(r1 + %[data_end]);\n"
		     "r1 = r2;\n"
		     "r1 += 7;\n"
		     "if r1 < r3 goto l0_%=;\n"
		     "r0 = 2;\n"
		     "exit;\n"
		     "l0_%=:\n"
		     "r0 = *(u64 *)(r1 - 7);\n"
		     "r0 = 2;\n"
		     "exit;\n" :: XDP(data), XDP(data_end) : __clobber_all);
}

/* ... but from the start itself (data < data_end) Linux learns nothing. */
SEC("xdp") __failure __msg("invalid access to packet, off=0 size=1, R2(id=0,off=0,r=0)")
__naked void strict_start_less_than_end(void)
{
	asm volatile("r2 = *(u32 *)(r1 + %[data]);\n"
		     "r3 = *(u32 *)(r1 + %[data_end]);\n"
		     "if r2 < r3 goto l0_%=;\n"
		     "r0 = 2;\n"
		     "exit;\n"
		     "l0_%=:\n"
		     "r0 = *(u8 *)(r2 + 0);\n"
		     "r0 = 2;\n"
		     "exit;\n" :: XDP(data), XDP(data_end) : __clobber_all);
}

/* The test run's packet is 64 bytes: the program reads the last one and sees the length. */
SEC("tc") __success __retval(64)
__naked void tc_packet_length(void)
{
	asm volatile("r2 = *(u32 *)(r1 + %[data]);\n"
		     "r3 = *(u32 *)(r1 + %[data_end]);\n"
		     "r0 = r3;\n"
		     "r0 -= r2;\n"
		     "r4 = r2;\n"
		     "r4 += 64;\n"
		     "if r4 > r3 goto l0_%=;\n"
		     "r5 = *(u8 *)(r2 + 63);\n"
		     "l0_%=:\n"
		     "exit;\n" :: SKB(data), SKB(data_end) : __clobber_all);
}

/* Packet memory as a helper's memory argument: only the helpers Linux marks for it (map
 * lookups and updates, csum_diff) take it, even when the range is proven; the others are
 * refused before the argument's type is looked at. */
SEC("tc") __success __retval(0)
__naked void pkt_to_csum_diff(void)
{
	asm volatile("r2 = *(u32 *)(r1 + %[data]);\n"
		     "r3 = *(u32 *)(r1 + %[data_end]);\n"
		     "r1 = r2;\n"
		     "r1 += 8;\n"
		     "if r1 > r3 goto 1f;\n"
		     "r1 = r2;\n"
		     "r2 = 8;\n"
		     "r3 = 0;\n"
		     "r4 = 0;\n"
		     "r5 = 0;\n"
		     "call %[bpf_csum_diff];\n"
		     "1:\n"
		     "r0 = 0;\n"
		     "exit;\n" :: SKB(data), SKB(data_end), __imm(bpf_csum_diff) : __clobber_all);
}

SEC("tc") __failure __msg("helper access to the packet is not allowed")
__naked void pkt_to_skb_load_bytes(void)
{
	asm volatile("r2 = *(u32 *)(r1 + %[data]);\n"
		     "r3 = *(u32 *)(r1 + %[data_end]);\n"
		     "r4 = r2;\n"
		     "r4 += 8;\n"
		     "if r4 > r3 goto 1f;\n"
		     "r3 = r2;\n"
		     "r2 = 0;\n"
		     "r4 = 8;\n"
		     "call %[bpf_skb_load_bytes];\n"
		     "1:\n"
		     "r0 = 0;\n"
		     "exit;\n" :: SKB(data), SKB(data_end), __imm(bpf_skb_load_bytes) : __clobber_all);
}
