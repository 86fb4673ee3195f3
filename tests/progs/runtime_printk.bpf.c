/* bpf_printk as libbpf defines it: clang puts its format in a static local named
 * "func.____fmt", a BTF name with a dot that Linux accepts and so must exbpf. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/exbpf_test.h>

char LICENSE[] SEC("license") = "GPL";

SEC("tc") __success __retval(3)
int printk_len(struct __sk_buff *skb)
{
	return bpf_printk("x=%d", 5);
}
