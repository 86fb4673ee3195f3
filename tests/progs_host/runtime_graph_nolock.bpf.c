/* A list head with no bpf_spin_lock beside it: Linux refuses the value's BTF and libbpf
 * makes the map again without it; exbpf does the same (saying so in the log), and the head's
 * bytes are plain data. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_graph.h>

char LICENSE[] SEC("license") = "GPL";

struct elem {
	long key;
	struct bpf_list_node node;
};

private(B) struct bpf_list_head lonely __contains(elem, node);

SEC("tc")
int touch(struct __sk_buff *skb)
{
	struct elem *e = bpf_obj_new(struct elem);

	if (e)
		bpf_obj_drop(e);
	return *(volatile int *)&lonely;
}
