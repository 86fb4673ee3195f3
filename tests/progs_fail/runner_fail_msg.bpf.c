/* A load failure whose message differs from the annotation: `exbpf test` must report FAIL
 * (tests/cli/runner.sh). Alone in its object, because an unknown kfunc fails the whole
 * object's load, as in libbpf. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/exbpf_test.h>

char LICENSE[] SEC("license") = "GPL";

/* Fails to load (unknown kfunc), claims a message the loader never prints. */
extern int bpf_exbpf_missing_kfunc(int x) __ksym;

SEC("tc") __failure __msg("this message is never printed")
int wrong_msg(struct __sk_buff *skb)
{
	return bpf_exbpf_missing_kfunc(1);
}

