/* A program of an embedder's own type (section "exbpf_demo"), whose context the host
 * describes in tests/unit/test_runtime.c: a u32 readable `in` at 0, a writable u32 `out` at
 * 4, a read-only u64 at 8. Not for `exbpf test`: the section name means nothing without the
 * host that registers it. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

struct demo_ctx {
	__u32 in;
	__u32 out;
	__u64 ro;
};

SEC("exbpf_demo")
int user_double(struct demo_ctx *ctx)
{
	ctx->out = ctx->in * 2;
	return ctx->in + 1;
}

SEC("exbpf_demo/bad")
int user_writes_ro(struct demo_ctx *ctx)
{
	ctx->ro = 1;
	return 0;
}
