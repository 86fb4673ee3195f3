/* Linux's probe reads (bpf_probe_read_kernel/_user, their _str forms, and the _dynptr
 * kfuncs): memory the verifier does not type, read without faulting; a failed read is
 * -EFAULT and leaves zeroes. exbpf reads the host process's memory (Linux: the kernel's), so
 * these read the program's own stack and map values, which both have. Checked against Linux
 * with `exbpf test --engine kernel`. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_dynptr.h>
#include <bpf/exbpf_test.h>

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64[4]);
} vals SEC(".maps");

SEC("syscall") __success __retval(1)
int read_stack(void *ctx)
{
	volatile __u64 src = 0x1122334455667788ull;
	__u64 dst = 0;

	if (bpf_probe_read_kernel(&dst, sizeof(dst), (const void *)&src))
		return 2;
	return dst == 0x1122334455667788ull;
}

SEC("syscall") __success __retval(7)
int read_map_value(void *ctx)
{
	__u32 key = 0;
	__u64 *v = bpf_map_lookup_elem(&vals, &key), dst = 0;

	if (!v)
		return 0;
	v[2] = 7;
	if (bpf_probe_read_kernel(&dst, sizeof(dst), &v[2]))
		return 2;
	return dst;
}

/* Nothing is mapped at address 8: -EFAULT, and the destination is zeroed. */
SEC("syscall") __success __retval(-14)
int read_unmapped(void *ctx)
{
	__u64 dst = ~0ull;
	int err = bpf_probe_read_user(&dst, sizeof(dst), (void *)8);

	return dst ? 1 : err;
}

/* A string: the bytes up to its NUL, counted with it. */
SEC("syscall") __success __retval(6)
int read_str(void *ctx)
{
	char src[16] = "hello", dst[16];
	int n = bpf_probe_read_kernel_str(dst, sizeof(dst), src);

	return dst[4] == 'o' && !dst[5] ? n : -1;
}

/* Cut to the destination: size - 1 bytes and a NUL. */
SEC("syscall") __success __retval(4)
int read_str_cut(void *ctx)
{
	char src[16] = "hello", dst[4];
	int n = bpf_probe_read_kernel_str(dst, sizeof(dst), src);

	return dst[2] == 'l' && !dst[3] ? n : -1;
}

SEC("syscall") __success __retval(-14)
int read_str_unmapped(void *ctx)
{
	char dst[8] = "xxxxxxx";
	int n = bpf_probe_read_user_str(dst, sizeof(dst), (void *)8);

	return dst[0] ? 1 : n;
}

/* Into a dynptr: at an offset, and not past its end. */
SEC("syscall") __success __retval(0x55)
int read_into_dynptr(void *ctx)
{
	__u32 key = 0;
	__u64 *v = bpf_map_lookup_elem(&vals, &key), src = 0x55;
	struct bpf_dynptr p;

	if (!v)
		return 0;
	bpf_dynptr_from_mem(v, 32, 0, &p);
	if (bpf_probe_read_kernel_dynptr(&p, 8, 8, &src))
		return 1;
	if (bpf_probe_read_kernel_dynptr(&p, 28, 8, &src) != -7)
		return 2;
	return v[1];
}

SEC("syscall") __success __retval(3)
int read_str_into_dynptr(void *ctx)
{
	__u32 key = 0;
	__u64 *v = bpf_map_lookup_elem(&vals, &key);
	char src[8] = "hi";
	struct bpf_dynptr p;

	if (!v)
		return 0;
	bpf_dynptr_from_mem(v, 32, 0, &p);
	return bpf_probe_read_kernel_str_dynptr(&p, 0, 8, src);
}

/* The destination is checked like any helper's memory. */
SEC("syscall") __failure __msg("invalid write to stack R1 off=-8 size=16")
int read_too_big(void *ctx)
{
	__u64 dst, src = 0;

	return bpf_probe_read_kernel(&dst, 16, &src);
}
