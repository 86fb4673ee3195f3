/* CO-RE test: relocations that exbpf resolves against its UAPI target types. Every local type
 * here is a "flavor" of a <linux/bpf.h> type (name___suffix) declared with a different layout,
 * so each relocated access has to move to the real UAPI offset:
 *   - struct __sk_buff___flavor: fields at shuffled offsets, an array element (cb[2]), a
 *     pointer the UAPI keeps in an anonymous union (flow_keys), a field declared wider (len:
 *     __u64 -> __u32, the load shrinks) and one declared signed (priority), a field exbpf
 *     lacks read only behind bpf_core_field_exists();
 *   - struct bpf_sock_tuple___flavor: a member reached through anonymous union members;
 *   - struct bpf_insn___flavor: bitfields read with BPF_CORE_READ_BITFIELD();
 *   - enum values (32- and 64-bit), type sizes, existence, matches and ids.
 * tests/unit/test_core.c checks each patched instruction against offsetof() of the real
 * structs; keep both in step. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/exbpf_test.h>
#include <bpf/bpf_core_read.h>

char LICENSE[] SEC("license") = "GPL";

struct __sk_buff___flavor {
	__u32 mark;		      /* member 0: UAPI offset 8 */
	__u32 cb[5];		      /* member 1: UAPI offset 48 */
	__u64 len;		      /* member 2: UAPI offset 0, __u32 */
	__u32 protocol;		      /* member 3: UAPI offset 16 */
	__s32 priority;		      /* member 4: UAPI offset 32, __u32 */
	__u32 ifindex;		      /* member 5: UAPI offset 40 */
	__u32 exbpf_missing_field;    /* member 6: not in the UAPI struct */
	struct bpf_flow_keys *flow_keys; /* member 7: UAPI offset 144, in an anonymous union */
} __attribute__((preserve_access_index));

struct bpf_sock_tuple___flavor {
	__u64 pad; /* not in the UAPI struct, never accessed */
	union {
		struct {
			__be32 saddr;
			__be32 daddr;
			__be16 sport;
			__be16 dport;
		} ipv4;
	};
} __attribute__((preserve_access_index));

struct bpf_insn___flavor {
	__s32 imm;
	__u8 src_reg : 4;
	__u8 dst_reg : 4;
	__u8 code;
	__s16 off;
} __attribute__((preserve_access_index));

struct bpf_spin_lock___flavor {
	__u32 val;
} __attribute__((preserve_access_index));

struct exbpf_no_such_type {
	int x;
} __attribute__((preserve_access_index));

enum bpf_map_type___flavor {
	BPF_MAP_TYPE_RINGBUF___flavor = 1000,
	BPF_MAP_TYPE_EXBPF_NOPE___flavor = 1001,
};

enum bpf_func_id___flavor {
	BPF_FUNC_map_lookup_elem___flavor = 0x100000001ULL,
};

struct bpf_insn___flavor insn_g = {.imm = 1};
struct bpf_sock_tuple___flavor tuple_g;
__u64 out[16];

SEC("tc") __failure __msg("invalid bpf_context access")
int core_skb(struct __sk_buff *ctx)
{
	struct __sk_buff___flavor *skb = (void *)ctx;
	__u64 r;

	r = skb->len + skb->protocol + skb->mark + skb->cb[2] + skb->ifindex + skb->priority;
	if (bpf_core_field_exists(skb->exbpf_missing_field))
		r += skb->exbpf_missing_field;
	if (skb->flow_keys)
		r++;
	out[0] = bpf_core_field_size(skb->len);
	/* libbpf 1.1's bpf_core_read.h has no bpf_core_field_signed() */
	out[1] = __builtin_preserve_field_info(skb->priority, BPF_FIELD_SIGNED);
	out[2] = bpf_core_field_exists(skb->mark);
	return r;
}

SEC("tc") __success __retval(0)
int core_types(struct __sk_buff *ctx)
{
	out[3] = bpf_core_type_exists(struct exbpf_no_such_type);
	out[4] = bpf_core_type_size(struct __sk_buff___flavor);
	out[5] = bpf_core_type_matches(struct bpf_spin_lock___flavor);
	out[6] = bpf_core_type_id_local(struct __sk_buff___flavor);
	out[7] = bpf_core_type_exists(struct bpf_spin_lock___flavor);
	out[15] = bpf_core_type_id_kernel(struct bpf_spin_lock___flavor);
	out[8] = bpf_core_enum_value(enum bpf_map_type, BPF_MAP_TYPE_ARRAY);
	out[9] = bpf_core_enum_value(enum bpf_map_type___flavor, BPF_MAP_TYPE_RINGBUF___flavor);
	out[10] = bpf_core_enum_value_exists(enum bpf_map_type___flavor,
					     BPF_MAP_TYPE_EXBPF_NOPE___flavor);
	out[11] = bpf_core_enum_value(enum bpf_func_id___flavor, BPF_FUNC_map_lookup_elem___flavor);
	out[12] = tuple_g.ipv4.dport;
	out[13] = BPF_CORE_READ_BITFIELD(&insn_g, dst_reg);
	out[14] = BPF_CORE_READ_BITFIELD(&insn_g, src_reg);
	return 0;
}
