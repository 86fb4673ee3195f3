/* An access-policy program of the host's own program type (section "policy", registered by
 * examples/embed/main.c). Its context is struct policy_ctx, which the host fills per request;
 * it asks the host for the user's clearance through a custom helper and answers ALLOW or
 * DENY, writing a reason into the context. A request that makes no sense (unknown user,
 * resource level out of range) throws; the exception callback answers ERROR and the host
 * reads the cookie from the exception report. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_exceptions.h>

char LICENSE[] SEC("license") = "GPL";

/* Must match main.c. */
struct policy_ctx {
	__u32 uid;	   /* read-only */
	__u32 op;	   /* read-only: 0 read, 1 write */
	__u64 level;	   /* read-only: the resource's classification, 0 (public) to 3 */
	__u32 reason;	   /* written by the program */
	__u32 reserved;
};

enum verdict { DENY = 0, ALLOW = 1, ERROR = 2 };
enum reason { REASON_OK = 0, REASON_CLEARANCE = 1, REASON_READ_ONLY = 2 };
enum cookie { BAD_LEVEL = 1, UNKNOWN_USER = 2 };

/* The host's helper (id 1000): the user's clearance level, or a negative errno. */
static long (*host_clearance)(__u32 uid) = (void *)1000;

__noinline int on_bad_request(__u64 cookie)
{
	return ERROR;
}

static __noinline long clearance_of(__u32 uid)
{
	long c = host_clearance(uid);

	if (c < 0)
		bpf_throw(UNKNOWN_USER);
	return c;
}

SEC("policy")
__exception_cb(on_bad_request)
int check_access(struct policy_ctx *ctx)
{
	__u64 level = ctx->level;
	long clearance;

	bpf_assert_range_with(level, 0, 3, BAD_LEVEL);
	clearance = clearance_of(ctx->uid);
	if (clearance < (long)level) {
		ctx->reason = REASON_CLEARANCE;
		return DENY;
	}
	/* Writing needs one level more than reading. */
	if (ctx->op == 1 && clearance < (long)level + 1) {
		ctx->reason = REASON_READ_ONLY;
		return DENY;
	}
	ctx->reason = REASON_OK;
	return ALLOW;
}
