/* CO-RE test: relocations exbpf cannot resolve, so the loader poisons their instructions
 * (`call 0xbad2310`, libbpf's convention) and records why in the object:
 *   - a field of a type exbpf does not provide (struct task_struct);
 *   - a field exbpf's struct __sk_buff lacks, read without a bpf_core_field_exists() guard;
 *   - a field declared signed 64-bit whose UAPI type is __u32 (the load cannot shrink);
 *   - an enum value exbpf's enum lacks, 32-bit (ALU) and 64-bit (both slots of an ld_imm64).
 * tests/unit/test_core.c checks the poisoned instructions and messages. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/exbpf_test.h>
#include <bpf/bpf_core_read.h>

char LICENSE[] SEC("license") = "GPL";

struct task_struct {
	int pid;
} __attribute__((preserve_access_index));

struct __sk_buff___poison {
	__u32 exbpf_missing_field;
	__s64 ifindex;
} __attribute__((preserve_access_index));

enum bpf_map_type___poison {
	BPF_MAP_TYPE_EXBPF_NOPE___poison = 1001,
};

enum bpf_func_id___poison {
	BPF_FUNC_exbpf_nope___poison = 0x100000002ULL,
};

__u64 out[4];

SEC("tc") __failure __msg("invalid func unknown#195896080")
int core_poison(struct __sk_buff *ctx)
{
	struct task_struct *t = (void *)(long)ctx->data;
	struct __sk_buff___poison *skb = (void *)ctx;

	out[0] = bpf_core_enum_value(enum bpf_map_type___poison, BPF_MAP_TYPE_EXBPF_NOPE___poison);
	out[1] = bpf_core_enum_value(enum bpf_func_id___poison, BPF_FUNC_exbpf_nope___poison);
	out[2] = skb->ifindex;
	return t->pid + skb->exbpf_missing_field;
}
