/* Context accesses per program type: which fields of __sk_buff / xdp_md a type may read or
 * write, narrow loads, the size and alignment rules, and accesses through a modified context
 * pointer. Each pair: the allowed access, then the nearest denied one. Checked against Linux by
 * `exbpf test --engine kernel` (test runs on 64 zero bytes). */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/exbpf_test.h>

char LICENSE[] SEC("license") = "GPL";

#define SKB(f) __imm_const(f, offsetof(struct __sk_buff, f))
#define XDP(f) __imm_const(f, offsetof(struct xdp_md, f))

/* tc reads skb->len; a 64-bit load of the 32-bit field is denied. */
SEC("tc") __success __retval(64)
__naked void tc_read_len(void)
{
	asm volatile("r0 = *(u32 *)(r1 + %[len]);\n"
		     "exit;\n" :: SKB(len) : __clobber_all);
}

SEC("tc") __failure __msg("invalid bpf_context access off=0 size=8")
__naked void tc_read_len_u64(void)
{
	asm volatile("r0 = *(u64 *)(r1 + %[len]);\n"
		     "exit;\n" :: SKB(len) : __clobber_all);
}

/* Narrow loads of a scalar field are allowed (little endian: the low byte first) ... */
SEC("tc") __success __retval(64)
__naked void tc_narrow_len_u8(void)
{
	asm volatile("r0 = *(u8 *)(r1 + %[len]);\n"
		     "exit;\n" :: SKB(len) : __clobber_all);
}

SEC("tc") __success __retval(0)
__naked void tc_narrow_len_u16_high(void)
{
	asm volatile("r0 = *(u16 *)(r1 + 2);\n"
		     "exit;\n" ::: __clobber_all);
}

/* ... but not of a pointer field such as skb->data. */
SEC("tc") __failure __msg("invalid bpf_context access off=76 size=2")
__naked void tc_narrow_data(void)
{
	asm volatile("r0 = *(u16 *)(r1 + %[data]);\n"
		     "r0 = 0;\n"
		     "exit;\n" :: SKB(data) : __clobber_all);
}

/* A misaligned field access is denied. */
SEC("tc") __failure __regex("^invalid bpf_context access off=1 size=(4|8)$")
__naked void tc_misaligned_len(void)
{
	asm volatile("r0 = *(u32 *)(r1 + 1);\n"
		     "exit;\n" ::: __clobber_all);
}

/* The last field of __sk_buff is readable; one past the structure is not. */
SEC("tc") __success __retval(0)
__naked void tc_read_hwtstamp(void)
{
	asm volatile("r0 = *(u64 *)(r1 + %[hwtstamp]);\n"
		     "r0 = 0;\n"
		     "exit;\n" :: SKB(hwtstamp) : __clobber_all);
}

SEC("tc") __failure __msg("invalid bpf_context access off=192 size=4")
__naked void tc_read_past_end(void)
{
	asm volatile("r0 = *(u32 *)(r1 + 192);\n"
		     "exit;\n" ::: __clobber_all);
}

/* tc may write skb->mark (and read it back), not skb->len. */
SEC("tc") __success __retval(5)
__naked void tc_write_mark(void)
{
	asm volatile("r2 = 5;\n"
		     "*(u32 *)(r1 + %[mark]) = r2;\n"
		     "r0 = *(u32 *)(r1 + %[mark]);\n"
		     "exit;\n" :: SKB(mark) : __clobber_all);
}

SEC("tc") __failure __msg("invalid bpf_context access off=0 size=4")
__naked void tc_write_len(void)
{
	asm volatile("r2 = 5;\n"
		     "*(u32 *)(r1 + %[len]) = r2;\n"
		     "r0 = 0;\n"
		     "exit;\n" :: SKB(len) : __clobber_all);
}

/* A socket filter may write cb[] but not skb->mark. */
SEC("socket") __success __retval(9)
__naked void socket_write_cb(void)
{
	asm volatile("r2 = 9;\n"
		     "*(u32 *)(r1 + %[cb]) = r2;\n"
		     "r0 = *(u32 *)(r1 + %[cb]);\n"
		     "exit;\n" :: SKB(cb) : __clobber_all);
}

SEC("socket") __failure __msg("invalid bpf_context access off=8 size=4")
__naked void socket_write_mark(void)
{
	asm volatile("r2 = 5;\n"
		     "*(u32 *)(r1 + %[mark]) = r2;\n"
		     "r0 = 0;\n"
		     "exit;\n" :: SKB(mark) : __clobber_all);
}

/* A socket filter has no direct packet access: skb->data is denied (tc reads it). */
SEC("socket") __failure __msg("invalid bpf_context access off=76 size=4")
__naked void socket_read_data(void)
{
	asm volatile("r0 = *(u32 *)(r1 + %[data]);\n"
		     "r0 = 0;\n"
		     "exit;\n" :: SKB(data) : __clobber_all);
}

SEC("tc") __success __retval(0)
__naked void tc_read_data(void)
{
	asm volatile("r0 = *(u32 *)(r1 + %[data]);\n"
		     "r0 = 0;\n"
		     "exit;\n" :: SKB(data) : __clobber_all);
}

/* cgroup_skb may write skb->mark, not read skb->tc_classid. */
SEC("cgroup_skb/ingress") __success __retval(1)
__naked void cgroup_write_mark(void)
{
	asm volatile("r2 = 1;\n"
		     "*(u32 *)(r1 + %[mark]) = r2;\n"
		     "r0 = *(u32 *)(r1 + %[mark]);\n"
		     "r0 &= 1;\n"
		     "exit;\n" :: SKB(mark) : __clobber_all);
}

SEC("cgroup_skb/ingress") __failure __msg("invalid bpf_context access off=72 size=4")
__naked void cgroup_read_tc_classid(void)
{
	asm volatile("r0 = *(u32 *)(r1 + %[tc_classid]);\n"
		     "r0 = 1;\n"
		     "exit;\n" :: SKB(tc_classid) : __clobber_all);
}

/* xdp reads ingress_ifindex and rx_queue_index; egress_ifindex only in devmap programs; no
 * field is writable. */
SEC("xdp") __success __retval(2)
__naked void xdp_read_fields(void)
{
	asm volatile("r0 = *(u32 *)(r1 + %[ingress_ifindex]);\n"
		     "r0 = *(u32 *)(r1 + %[rx_queue_index]);\n"
		     "r0 = 2;\n"
		     "exit;\n" :: XDP(ingress_ifindex), XDP(rx_queue_index) : __clobber_all);
}

SEC("xdp") __failure __msg("invalid bpf_context access off=20 size=4")
__naked void xdp_read_egress_ifindex(void)
{
	asm volatile("r0 = *(u32 *)(r1 + %[egress_ifindex]);\n"
		     "r0 = 2;\n"
		     "exit;\n" :: XDP(egress_ifindex) : __clobber_all);
}

SEC("xdp") __failure __msg("invalid bpf_context access off=24 size=4")
__naked void xdp_read_past_end(void)
{
	asm volatile("r0 = *(u32 *)(r1 + 24);\n"
		     "r0 = 2;\n"
		     "exit;\n" ::: __clobber_all);
}

SEC("xdp") __failure __msg("invalid bpf_context access off=12 size=4")
__naked void xdp_write_ifindex(void)
{
	asm volatile("r2 = 1;\n"
		     "*(u32 *)(r1 + %[ingress_ifindex]) = r2;\n"
		     "r0 = 2;\n"
		     "exit;\n" :: XDP(ingress_ifindex) : __clobber_all);
}

/* The context is accessed through r1 itself: a constant added to it first is refused at the
 * access, while the same offset in the instruction is fine. */
SEC("tc") __success __retval(0)
__naked void ctx_offset_in_insn(void)
{
	asm volatile("r0 = *(u32 *)(r1 + %[mark]);\n"
		     "exit;\n" :: SKB(mark) : __clobber_all);
}

SEC("tc") __failure __msg("dereference of modified ctx ptr R1 off=8 disallowed")
__naked void ctx_offset_in_register(void)
{
	asm volatile("r1 += %[mark];\n"
		     "r0 = *(u32 *)(r1 + 0);\n"
		     "exit;\n" :: SKB(mark) : __clobber_all);
}

/* Stores of an immediate (BPF_ST) into writable context fields are allowed (Linux 6.18; older
 * kernels said "BPF_ST stores into R1 ctx is not allowed"); into read-only ones they are not. */
SEC("tc") __success __retval(5)
__naked void ctx_store_imm(void)
{
	asm volatile("*(u32 *)(r1 + %[mark]) = 5;\n"
		     "r0 = *(u32 *)(r1 + %[mark]);\n"
		     "exit;\n" :: SKB(mark) : __clobber_all);
}

SEC("tc") __failure __msg("invalid bpf_context access off=0 size=4")
__naked void ctx_store_imm_len(void)
{
	asm volatile("*(u32 *)(r1 + %[len]) = 5;\n"
		     "r0 = 0;\n"
		     "exit;\n" :: SKB(len) : __clobber_all);
}

/* An atomic operation on the context is refused. */
SEC("tc") __failure __msg("BPF_ATOMIC stores into R1 ctx is not allowed")
__naked void ctx_atomic_add(void)
{
	asm volatile("r2 = 1;\n"
		     "lock *(u32 *)(r1 + %[mark]) += w2;\n"
		     "r0 = 0;\n"
		     "exit;\n" :: SKB(mark) : __clobber_all);
}

/* A load-acquire from the context is refused as well, judged on the pointer the load reads
 * through even when it overwrites that register (w1 = load_acquire((u32 *)(r1 + 0)), encoded
 * by hand: clang 19 has no mnemonic for it). */
SEC("tc") __failure __msg("BPF_ATOMIC loads from R1 ctx is not allowed")
__naked void ctx_load_acquire_into_base(void)
{
	asm volatile(".8byte 0x00000100000011c3;\n"
		     "r0 = 0;\n"
		     "exit;\n" ::: __clobber_all);
}

/* One load instruction reached with the context on one path and the stack on the other: the
 * engines run context accesses rewritten into the runtime's layout, so Linux (and exbpf)
 * refuse to let an instruction serve both. */
SEC("tc") __failure __msg("same insn cannot be used with different pointers")
__naked void tc_same_insn_ctx_and_stack(void)
{
	asm volatile("r2 = 0;\n"
		     "*(u64 *)(r10 - 8) = r2;\n"
		     "r3 = *(u32 *)(r1 + %[len]);\n"
		     "if r3 > 10 goto 1f;\n"
		     "r1 = r10;\n"
		     "r1 += -8;\n"
		     "1:\n"
		     "r0 = *(u32 *)(r1 + 0);\n"
		     "r0 = 0;\n"
		     "exit;\n" :: SKB(len) : __clobber_all);
}

/* The same instruction with the stack on one path and a map value on the other is fine:
 * neither needs a rewrite. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} same_insn_arr SEC(".maps");

SEC("tc") __success __retval(0)
__naked void tc_same_insn_stack_and_map(void)
{
	asm volatile("r2 = 0;\n"
		     "*(u64 *)(r10 - 8) = r2;\n"
		     "r6 = r1;\n"
		     "r2 = r10;\n"
		     "r2 += -8;\n"
		     "r1 = %[same_insn_arr] ll;\n"
		     "call %[bpf_map_lookup_elem];\n"
		     "if r0 == 0 goto 2f;\n"
		     "r3 = *(u32 *)(r6 + %[len]);\n"
		     "if r3 > 10 goto 1f;\n"
		     "r0 = r10;\n"
		     "r0 += -8;\n"
		     "1:\n"
		     "r0 = *(u64 *)(r0 + 0);\n"
		     "2:\n"
		     "r0 = 0;\n"
		     "exit;\n"
		     :: SKB(len), __imm_addr(same_insn_arr), __imm(bpf_map_lookup_elem)
		     : __clobber_all);
}

/* Packet pointers read from the context on a verified (unchecked) run: the rewrite loads the
 * runtime's 64-bit pointers. */
SEC("xdp") __success __retval(64)
__naked void xdp_span_rewritten(void)
{
	asm volatile("r2 = *(u32 *)(r1 + %[data]);\n"
		     "r3 = *(u32 *)(r1 + %[data_end]);\n"
		     "r0 = r3;\n"
		     "r0 -= r2;\n"
		     "exit;\n"
		     :: __imm_const(data, offsetof(struct xdp_md, data)),
			__imm_const(data_end, offsetof(struct xdp_md, data_end))
		     : __clobber_all);
}

/* A context pointer moved below its start is named as such, before the generic "modified"
 * rule: by a load ... */
SEC("tc") __failure __msg("negative offset ctx ptr R1 off=-4 disallowed")
__naked void ctx_below_start_load(void)
{
	asm volatile("r1 += -4;\n"
		     "r0 = *(u32 *)(r1 + 4);\n"
		     "exit;\n" ::: __clobber_all);
}

/* ... and as a helper's context argument; moved forward it is only "modified". */
SEC("socket") __failure __msg("negative offset ctx ptr R1 off=-8 disallowed")
__naked void ctx_below_start_helper(void)
{
	asm volatile("r1 += -8;\n"
		     "call %[bpf_get_socket_cookie];\n"
		     "r0 = 0;\n"
		     "exit;\n" :: __imm(bpf_get_socket_cookie) : __clobber_all);
}

SEC("socket") __failure __msg("dereference of modified ctx ptr R1 off=8 disallowed")
__naked void ctx_forward_helper(void)
{
	asm volatile("r1 += 8;\n"
		     "call %[bpf_get_socket_cookie];\n"
		     "r0 = 0;\n"
		     "exit;\n" :: __imm(bpf_get_socket_cookie) : __clobber_all);
}

/* The context pointer is never null, but a test of it against 0 is not decided: both ways are
 * walked, so the write to r10 on the "null" side is refused. */
SEC("socket") __failure __msg("frame pointer is read only")
__naked void ctx_null_test_walks_both(void)
{
	asm volatile("r0 = 0;\n"
		     "if r1 != 0 goto 1f;\n"
		     "r10 = 0;\n"
		     "1:\n"
		     "exit;\n" ::: __clobber_all);
}

/* A socket filter reads tc_index but none of the socket's addresses and ports (family ..
 * local_port) nor wire_len; a cgroup skb program reads tc_index but not wire_len. */
SEC("socket") __success __retval(0)
__naked void socket_read_tc_index(void)
{
	asm volatile("r0 = *(u32 *)(r1 + %[tc_index]);\n"
		     "exit;\n" :: SKB(tc_index) : __clobber_all);
}

SEC("socket") __failure __msg("invalid bpf_context access off=88 size=4")
__naked void socket_read_family(void)
{
	asm volatile("r0 = *(u32 *)(r1 + %[family]);\n"
		     "exit;\n" :: SKB(family) : __clobber_all);
}

SEC("socket") __failure __msg("invalid bpf_context access off=160 size=4")
__naked void socket_read_wire_len(void)
{
	asm volatile("r0 = *(u32 *)(r1 + %[wire_len]);\n"
		     "exit;\n" :: SKB(wire_len) : __clobber_all);
}

SEC("cgroup/skb") __success __retval(0)
__naked void cgroup_skb_read_tc_index(void)
{
	asm volatile("r0 = *(u32 *)(r1 + %[tc_index]);\n"
		     "r0 = 0;\n"
		     "exit;\n" :: SKB(tc_index) : __clobber_all);
}

SEC("cgroup/skb") __failure __msg("invalid bpf_context access off=160 size=4")
__naked void cgroup_skb_read_wire_len(void)
{
	asm volatile("r0 = *(u32 *)(r1 + %[wire_len]);\n"
		     "r0 = 0;\n"
		     "exit;\n" :: SKB(wire_len) : __clobber_all);
}

/* A syscall program's context is the caller's buffer, of any size up to U16_MAX: aligned
 * reads and writes at any offset an instruction can name are allowed (a run must give a
 * buffer that covers them, see tests/cli/basics.sh); below it, or misaligned, they are not. */
SEC("syscall") __success
__naked void syscall_ctx_rw(void)
{
	asm volatile("r2 = *(u32 *)(r1 + 4);\n"
		     "*(u32 *)(r1 + 8) = r2;\n"
		     "r0 = *(u64 *)(r1 + 32760);\n"
		     "r0 = 0;\n"
		     "exit;\n" ::: __clobber_all);
}

SEC("syscall") __failure __msg("invalid bpf_context access off=-1 size=1")
__naked void syscall_ctx_below(void)
{
	asm volatile("r0 = *(u8 *)(r1 - 1);\n"
		     "r0 = 0;\n"
		     "exit;\n" ::: __clobber_all);
}

SEC("syscall") __failure __msg("invalid bpf_context access off=2 size=4")
__naked void syscall_ctx_misaligned(void)
{
	asm volatile("r0 = *(u32 *)(r1 + 2);\n"
		     "r0 = 0;\n"
		     "exit;\n" ::: __clobber_all);
}

/* Runs of this one need 12 bytes of context (tests/cli/basics.sh). */
SEC("syscall")
__naked void syscall_ctx_reads_12(void)
{
	asm volatile("r0 = *(u32 *)(r1 + 8);\n"
		     "exit;\n" ::: __clobber_all);
}
