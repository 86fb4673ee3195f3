/* A bpf_loop callback's next run is not a loop of the walk. The verifier walks a callback again
 * each time the path reaches its helper call in another state; that run may meet the previous
 * run's states at the same instructions, still being explored (here: a bounded loop holding two
 * ring-buffer samples around bpf_loop, then a locked value). Linux counts the runs
 * (callback_unroll_depth) and does not call that an infinite loop; exbpf rejected this program
 * with "infinite loop detected at insn 43" (the callback's first instruction) until it counted
 * them too. Found by fuzz_verifier's generator (resources held around bpf_loop). Checked
 * against Linux by `exbpf test --engine kernel`. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/exbpf_test.h>

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} rb SEC(".maps");

struct locked {
	struct bpf_spin_lock l;
	__u32 pad;
	__u64 n;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, struct locked);
} locks SEC(".maps");

#define RESERVE16                                                                                \
	"r1 = %[rb] ll;\n"                                                                       \
	"r2 = 16;\n"                                                                             \
	"r3 = 0;\n"                                                                              \
	"call %[bpf_ringbuf_reserve];\n"

SEC("tc") __success __retval(0)
__naked void callback_rerun_in_loop(void)
{
	asm volatile("*(u32 *)(r10 - 4) = 0;\n"
		     "r7 = 0;\n"
		     "l_loop_%=:\n"
		     RESERVE16
		     "if r0 == 0 goto l_next_%=;\n"
		     "r8 = r0;\n"
		     RESERVE16
		     "if r0 == 0 goto l_discard_%=;\n"
		     "r9 = r0;\n"
		     "r1 = 3;\n"
		     "r2 = noop_cb ll;\n"
		     "r3 = 0;\n"
		     "r4 = 0;\n"
		     "call %[bpf_loop];\n"
		     "r2 = r10;\n"
		     "r2 += -4;\n"
		     "r1 = %[locks] ll;\n"
		     "call %[bpf_map_lookup_elem];\n"
		     "if r0 == 0 goto l_submit_%=;\n"
		     "*(u64 *)(r10 - 96) = r0;\n"
		     "r1 = *(u64 *)(r10 - 96);\n"
		     "call %[bpf_spin_lock];\n"
		     "r1 = *(u64 *)(r10 - 96);\n"
		     "call %[bpf_spin_unlock];\n"
		     "l_submit_%=:\n"
		     "r1 = r9;\n"
		     "r2 = 0;\n"
		     "call %[bpf_ringbuf_submit];\n"
		     "l_discard_%=:\n"
		     "r1 = r8;\n"
		     "r2 = 0;\n"
		     "call %[bpf_ringbuf_discard];\n"
		     "l_next_%=:\n"
		     "r7 += 1;\n"
		     "if r7 s< 10 goto l_loop_%=;\n"
		     "r0 = 0;\n"
		     "exit;\n"
		     :: __imm_addr(rb), __imm_addr(locks), __imm(bpf_map_lookup_elem),
		        __imm(bpf_ringbuf_reserve), __imm(bpf_ringbuf_submit),
		        __imm(bpf_ringbuf_discard), __imm(bpf_loop), __imm(bpf_spin_lock),
		        __imm(bpf_spin_unlock)
		     : __clobber_all);
}

static __attribute__((used)) __naked void noop_cb(void)
{
	asm volatile("r0 = 0;\n"
		     "exit;\n" ::: __clobber_all);
}
