/* Loader test: global data. .data (data_a, data_b, the static st_data), .rodata (const
 * volatile ro_limit and ro_tag), .bss (bss_counter, bss_arr), a custom .data.custom section
 * (custom_x) and a string literal in .rodata.str1.1, all with initial values the unit test
 * knows. globals_write stores to data_a, bss_arr, custom_x and st_data; globals_read loads
 * data_b, ro_limit, ro_tag, bss_counter and the string. tests/unit/test_object.c relies on
 * the MARK_* line comments and on the line numbers of MARK_DATA_A and MARK_RO_LIMIT. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/exbpf_test.h>

char LICENSE[] SEC("license") = "GPL";

int data_a = 0x11223344;
long data_b = -5;
static int st_data = 77;
const volatile int ro_limit = 42;
const volatile char ro_tag[8] = "exbpf";
int bss_counter;
long bss_arr[4];
int custom_x SEC(".data.custom") = 0xabcdef;

SEC("raw") __success __retval(0)
int globals_write(void *data, __u64 len)
{
	data_a = len; /* MARK_DATA_A */
	bss_arr[2] = len + 1;
	custom_x = len + 2;
	st_data = len + 3;
	return 0;
}

SEC("raw") __success __retval(323)
int globals_read(void *data, __u64 len)
{
	const char *s = "loader-string";
	long v = data_b;

	v += ro_limit; /* MARK_RO_LIMIT */
	v += ro_tag[len & 7];
	v += bss_counter;
	v += st_data;
	v += s[len & 7];
	return v;
}
