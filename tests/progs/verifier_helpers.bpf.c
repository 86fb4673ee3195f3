/* Helper arguments: each argument register must hold the type the helper's prototype names
 * (map pointer, readable stack/memory of the key size, context, constant size), sizes must be
 * bounded and non-negative, and a helper must exist for the program type. Each pair: a correct
 * call, then the same call with one argument wrong. Checked against Linux by
 * `exbpf test --engine kernel`. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/exbpf_test.h>

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} array SEC(".maps");

/* bpf_map_lookup_elem(map, key): R1 must be a map pointer ... */
SEC("socket") __failure __msg("R1 type=scalar expected=map_ptr")
__naked void lookup_scalar_map(void)
{
	asm volatile("r2 = r10;\n"
		     "r2 += -8;\n"
		     "r1 = 0;\n"
		     "call %[bpf_map_lookup_elem];\n"
		     "r0 = 0;\n"
		     "exit;\n" :: __imm(bpf_map_lookup_elem) : __clobber_all);
}

SEC("socket") __failure __msg("R1 type=fp expected=map_ptr")
__naked void lookup_stack_as_map(void)
{
	asm volatile("r2 = r10;\n"
		     "r2 += -8;\n"
		     "r1 = r10;\n"
		     "call %[bpf_map_lookup_elem];\n"
		     "r0 = 0;\n"
		     "exit;\n" :: __imm(bpf_map_lookup_elem) : __clobber_all);
}

/* ... and R2 a pointer to the key, not a scalar. */
SEC("socket") __failure __msg("R2 type=scalar expected=fp, pkt, pkt_meta, map_key, map_value")
__naked void lookup_scalar_key(void)
{
	asm volatile("r2 = 0;\n"
		     "r1 = %[array] ll;\n"
		     "call %[bpf_map_lookup_elem];\n"
		     "r0 = 0;\n"
		     "exit;\n" :: __imm_addr(array), __imm(bpf_map_lookup_elem) : __clobber_all);
}

/* A map value may serve as the key of another lookup. */
SEC("socket") __success __retval(0)
__naked void lookup_value_as_key(void)
{
	asm volatile("*(u32 *)(r10 - 8) = 0;\n"
		     "r2 = r10;\n"
		     "r2 += -8;\n"
		     "r1 = %[array] ll;\n"
		     "call %[bpf_map_lookup_elem];\n"
		     "if r0 == 0 goto l0_%=;\n"
		     "r2 = r0;\n"
		     "r1 = %[array] ll;\n"
		     "call %[bpf_map_lookup_elem];\n"
		     "l0_%=:\n"
		     "r0 = 0;\n"
		     "exit;\n" :: __imm_addr(array), __imm(bpf_map_lookup_elem) : __clobber_all);
}

/* The key is 4 bytes: a map value of 8 bytes is big enough from offset 4, not from 5. */
SEC("socket") __failure __msg("invalid access to map value, value_size=8 off=5 size=4")
__naked void lookup_key_past_value(void)
{
	asm volatile("*(u32 *)(r10 - 8) = 0;\n"
		     "r2 = r10;\n"
		     "r2 += -8;\n"
		     "r1 = %[array] ll;\n"
		     "call %[bpf_map_lookup_elem];\n"
		     "if r0 == 0 goto l0_%=;\n"
		     "r2 = r0;\n"
		     "r2 += 5;\n"
		     "r1 = %[array] ll;\n"
		     "call %[bpf_map_lookup_elem];\n"
		     "l0_%=:\n"
		     "r0 = 0;\n"
		     "exit;\n" :: __imm_addr(array), __imm(bpf_map_lookup_elem) : __clobber_all);
}

/* bpf_skb_load_bytes(skb, off, to, len): R1 must be the context. */
SEC("tc") __failure __msg("R1 type=fp expected=ctx")
__naked void load_bytes_stack_as_ctx(void)
{
	asm volatile("r1 = r10;\n"
		     "r2 = 0;\n"
		     "r3 = r10;\n"
		     "r3 += -8;\n"
		     "r4 = 8;\n"
		     "call %[bpf_skb_load_bytes];\n"
		     "r0 = 0;\n"
		     "exit;\n" :: __imm(bpf_skb_load_bytes) : __clobber_all);
}

/* len is the buffer's size: 8 fits at r10-8, 9 does not. */
SEC("tc") __success __retval(0)
__naked void load_bytes_fits_stack(void)
{
	asm volatile("r2 = 0;\n"
		     "r3 = r10;\n"
		     "r3 += -8;\n"
		     "r4 = 8;\n"
		     "call %[bpf_skb_load_bytes];\n"
		     "exit;\n" :: __imm(bpf_skb_load_bytes) : __clobber_all);
}

SEC("tc") __failure __msg("invalid write to stack R3 off=-8 size=9")
__naked void load_bytes_past_stack(void)
{
	asm volatile("r2 = 0;\n"
		     "r3 = r10;\n"
		     "r3 += -8;\n"
		     "r4 = 9;\n"
		     "call %[bpf_skb_load_bytes];\n"
		     "r0 = 0;\n"
		     "exit;\n" :: __imm(bpf_skb_load_bytes) : __clobber_all);
}

/* len may not be zero for this helper. */
SEC("tc") __failure __msg("R4 invalid zero-sized read")
__naked void load_bytes_zero_len(void)
{
	asm volatile("r2 = 0;\n"
		     "r3 = r10;\n"
		     "r3 += -8;\n"
		     "r4 = 0;\n"
		     "call %[bpf_skb_load_bytes];\n"
		     "r0 = 0;\n"
		     "exit;\n" :: __imm(bpf_skb_load_bytes) : __clobber_all);
}

/* A variable len needs an upper bound within the buffer and a lower bound >= 0. */
SEC("tc") __success __retval(0)
__naked void load_bytes_bounded_len(void)
{
	asm volatile("r6 = r1;\n"
		     "call %[bpf_get_prandom_u32];\n"
		     "r4 = r0;\n"
		     "r4 &= 7;\n"
		     "r4 += 1;\n"
		     "r1 = r6;\n"
		     "r2 = 0;\n"
		     "r3 = r10;\n"
		     "r3 += -8;\n"
		     "call %[bpf_skb_load_bytes];\n"
		     "r0 = 0;\n"
		     "exit;\n"
		     :: __imm(bpf_skb_load_bytes), __imm(bpf_get_prandom_u32) : __clobber_all);
}

SEC("tc") __failure
__msg("R4 unbounded memory access, use 'var &= const' or 'if (var < const)'")
__naked void load_bytes_unbounded_len(void)
{
	asm volatile("r6 = r1;\n"
		     "call %[bpf_get_prandom_u32];\n"
		     "r4 = r0;\n"
		     "r4 >>= 2;\n"
		     "r4 += 1;\n"
		     "r1 = r6;\n"
		     "r2 = 0;\n"
		     "r3 = r10;\n"
		     "r3 += -8;\n"
		     "call %[bpf_skb_load_bytes];\n"
		     "r0 = 0;\n"
		     "exit;\n"
		     :: __imm(bpf_skb_load_bytes), __imm(bpf_get_prandom_u32) : __clobber_all);
}

SEC("tc") __failure
__msg("R4 min value is negative, either use unsigned or 'var &= const'")
__naked void load_bytes_negative_len(void)
{
	asm volatile("r6 = r1;\n"
		     "call %[bpf_get_prandom_u32];\n"
		     "r4 = r0;\n"
		     "r4 &= 7;\n"
		     "r4 -= 1;\n"
		     "r1 = r6;\n"
		     "r2 = 0;\n"
		     "r3 = r10;\n"
		     "r3 += -8;\n"
		     "call %[bpf_skb_load_bytes];\n"
		     "r0 = 0;\n"
		     "exit;\n"
		     :: __imm(bpf_skb_load_bytes), __imm(bpf_get_prandom_u32) : __clobber_all);
}

/* Helpers are per program type: skb_store_bytes is there for tc, not for xdp. */
#define STORE_ONE_BYTE                                                                           \
	"r2 = 0;\n"                                                                             \
	"*(u64 *)(r10 - 8) = r2;\n"                                                            \
	"r3 = r10;\n"                                                                           \
	"r3 += -8;\n"                                                                           \
	"r4 = 1;\n"                                                                             \
	"r5 = 0;\n"

SEC("tc") __success __retval(0)
__naked void store_bytes_in_tc(void)
{
	asm volatile(STORE_ONE_BYTE
		     "call %[bpf_skb_store_bytes];\n"
		     "r0 = 0;\n"
		     "exit;\n" :: __imm(bpf_skb_store_bytes) : __clobber_all);
}

SEC("xdp") __failure __msg("program of this type cannot use helper bpf_skb_store_bytes#9")
__naked void store_bytes_in_xdp(void)
{
	asm volatile(STORE_ONE_BYTE
		     "call %[bpf_skb_store_bytes];\n"
		     "r0 = 0;\n"
		     "exit;\n" :: __imm(bpf_skb_store_bytes) : __clobber_all);
}

/* A helper number beyond the last one is refused. */
SEC("socket") __failure __msg("invalid func unknown#10000")
__naked void unknown_helper(void)
{
	asm volatile("call 10000;\n"
		     "r0 = 0;\n"
		     "exit;\n" ::: __clobber_all);
}

/* bpf_map_update_elem's value must be as large as the map's value (8 bytes). */
SEC("socket") __success __retval(0)
__naked void update_full_value(void)
{
	asm volatile("*(u32 *)(r10 - 4) = 0;\n"
		     "r1 = 0;\n"
		     "*(u64 *)(r10 - 16) = r1;\n"
		     "r2 = r10;\n"
		     "r2 += -4;\n"
		     "r3 = r10;\n"
		     "r3 += -16;\n"
		     "r4 = 0;\n"
		     "r1 = %[array] ll;\n"
		     "call %[bpf_map_update_elem];\n"
		     "exit;\n" :: __imm_addr(array), __imm(bpf_map_update_elem) : __clobber_all);
}

SEC("socket") __failure __msg("invalid read from stack R3 off=-4 size=8")
__naked void update_short_value(void)
{
	asm volatile("*(u32 *)(r10 - 8) = 0;\n"
		     "r2 = r10;\n"
		     "r2 += -8;\n"
		     "r3 = r10;\n"
		     "r3 += -4;\n"
		     "r4 = 0;\n"
		     "r1 = %[array] ll;\n"
		     "call %[bpf_map_update_elem];\n"
		     "exit;\n" :: __imm_addr(array), __imm(bpf_map_update_elem) : __clobber_all);
}

/* A helper's return value is a scalar: it cannot be dereferenced. */
SEC("socket") __failure __msg("R0 invalid mem access 'scalar'")
__naked void deref_helper_scalar(void)
{
	asm volatile("call %[bpf_get_prandom_u32];\n"
		     "r0 = *(u64 *)(r0 + 0);\n"
		     "exit;\n" :: __imm(bpf_get_prandom_u32) : __clobber_all);
}

/* A memory argument that may be NULL (bpf_csum_diff's from) goes with a size that can only be
 * zero; a size that may be more makes the NULL a scalar where memory was expected. */
SEC("tc") __success __retval(0)
__naked void null_mem_zero_size(void)
{
	asm volatile("r1 = 0;\n"
		     "r2 = 0;\n"
		     "r3 = 0;\n"
		     "r4 = 0;\n"
		     "r5 = 0;\n"
		     "call %[bpf_csum_diff];\n"
		     "r0 = 0;\n"
		     "exit;\n" :: __imm(bpf_csum_diff) : __clobber_all);
}

SEC("tc") __failure __msg("R1 type=scalar expected=fp")
__naked void null_mem_maybe_sized(void)
{
	asm volatile("call %[bpf_get_prandom_u32];\n"
		     "r2 = r0;\n"
		     "r2 &= 8;\n"
		     "r1 = 0;\n"
		     "r3 = 0;\n"
		     "r4 = 0;\n"
		     "r5 = 0;\n"
		     "call %[bpf_csum_diff];\n"
		     "r0 = 0;\n"
		     "exit;\n" :: __imm(bpf_get_prandom_u32), __imm(bpf_csum_diff) : __clobber_all);
}

/* bpf_strtoul's result (a long) must be 8-byte aligned, checked after the 8 bytes themselves. */
#define STRTOUL_AT(res_off)                                                                      \
	asm volatile("r1 = 0x00303036;\n"                                                       \
		     "*(u64 *)(r10 - 8) = r1;\n"                                                 \
		     "r1 = r10;\n"                                                               \
		     "r1 += -8;\n"                                                               \
		     "r2 = 4;\n"                                                                 \
		     "r3 = 0;\n"                                                                 \
		     "r4 = r10;\n"                                                               \
		     "r4 += " #res_off ";\n"                                                     \
		     "call %[bpf_strtoul];\n"                                                    \
		     "r0 = 0;\n"                                                                 \
		     "exit;\n" :: __imm(bpf_strtoul) : __clobber_all)

SEC("socket") __success
__naked void strtoul_res_aligned(void)
{
	STRTOUL_AT(-16);
}

SEC("socket") __failure __msg("misaligned stack access off 0+-20+0 size 8")
__naked void strtoul_res_misaligned(void)
{
	STRTOUL_AT(-20);
}

/* bpf_get_smp_processor_id() is below the number of possible CPUs, as Linux bounds it: its
 * result may index a value with a slot for each of up to 4096 CPUs without a check ... */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64[4096]);
} per_cpu_slots SEC(".maps");

SEC("socket") __success __retval(0)
__naked void cpu_id_indexes_value(void)
{
	asm volatile("*(u32 *)(r10 - 4) = 0;\n"
		     "r2 = r10;\n"
		     "r2 += -4;\n"
		     "r1 = %[per_cpu_slots] ll;\n"
		     "call %[bpf_map_lookup_elem];\n"
		     "if r0 == 0 goto 1f;\n"
		     "r6 = r0;\n"
		     "call %[bpf_get_smp_processor_id];\n"
		     "r0 <<= 3;\n"
		     "r6 += r0;\n"
		     "r0 = *(u64 *)(r6 + 0);\n"
		     "1: r0 = 0;\n"
		     "exit;\n"
		     :: __imm_addr(per_cpu_slots), __imm(bpf_get_smp_processor_id),
		        __imm(bpf_map_lookup_elem) : __clobber_all);
}

/* ... while a random number may not. */
SEC("socket") __failure __msg("math between map_value pointer and register with unbounded min value is not allowed")
__naked void prandom_indexes_value(void)
{
	asm volatile("*(u32 *)(r10 - 4) = 0;\n"
		     "r2 = r10;\n"
		     "r2 += -4;\n"
		     "r1 = %[per_cpu_slots] ll;\n"
		     "call %[bpf_map_lookup_elem];\n"
		     "if r0 == 0 goto 1f;\n"
		     "r6 = r0;\n"
		     "call %[bpf_get_prandom_u32];\n"
		     "r0 <<= 3;\n"
		     "r6 += r0;\n"
		     "r0 = *(u64 *)(r6 + 0);\n"
		     "1: r0 = 0;\n"
		     "exit;\n"
		     :: __imm_addr(per_cpu_slots), __imm(bpf_get_prandom_u32),
		        __imm(bpf_map_lookup_elem) : __clobber_all);
}

/* Helpers that copy a string return at most the size they were given, or an errno: a positive
 * result indexes the buffer it filled ... */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, char[16]);
} str_buf SEC(".maps");

SEC("raw_tp") __success
__naked void str_len_indexes_buffer(void)
{
	asm volatile("r7 = r1;\n"
		     "*(u32 *)(r10 - 4) = 0;\n"
		     "r2 = r10;\n"
		     "r2 += -4;\n"
		     "r1 = %[str_buf] ll;\n"
		     "call %[bpf_map_lookup_elem];\n"
		     "if r0 == 0 goto 1f;\n"
		     "r6 = r0;\n"
		     "r1 = r0;\n"
		     "r2 = 16;\n"
		     "r3 = r7;\n"
		     "call %[bpf_probe_read_kernel_str];\n"
		     "if r0 s< 1 goto 1f;\n"
		     "r0 += -1;\n"
		     "r6 += r0;\n"
		     "r0 = *(u8 *)(r6 + 0);\n"
		     "1: r0 = 0;\n"
		     "exit;\n"
		     :: __imm_addr(str_buf), __imm(bpf_probe_read_kernel_str),
		        __imm(bpf_map_lookup_elem) : __clobber_all);
}

/* ... but without the check for an error it may be negative. */
SEC("raw_tp") __failure __msg("R6 min value is negative, either use unsigned index or do a if (index >=0) check.")
__naked void str_errno_indexes_buffer(void)
{
	asm volatile("r7 = r1;\n"
		     "*(u32 *)(r10 - 4) = 0;\n"
		     "r2 = r10;\n"
		     "r2 += -4;\n"
		     "r1 = %[str_buf] ll;\n"
		     "call %[bpf_map_lookup_elem];\n"
		     "if r0 == 0 goto 1f;\n"
		     "r6 = r0;\n"
		     "r1 = r0;\n"
		     "r2 = 16;\n"
		     "r3 = r7;\n"
		     "call %[bpf_probe_read_kernel_str];\n"
		     "if r0 s> 15 goto 1f;\n"
		     "r6 += r0;\n"
		     "r0 = *(u8 *)(r6 + 0);\n"
		     "1: r0 = 0;\n"
		     "exit;\n"
		     :: __imm_addr(str_buf), __imm(bpf_probe_read_kernel_str),
		        __imm(bpf_map_lookup_elem) : __clobber_all);
}

/* Maps and the helpers made for them (Linux's check_map_func_compatibility): a ring buffer
 * serves its own helpers only, a prog array tail calls only, and a ring-buffer helper takes
 * no other map. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} compat_rb SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} compat_progs SEC(".maps");

SEC("tc") __failure __msg("cannot pass map_type 2 into func bpf_ringbuf_reserve#131")
int reserve_from_array(struct __sk_buff *skb)
{
	__u64 *s = bpf_ringbuf_reserve(&array, 8, 0);

	if (s)
		bpf_ringbuf_discard(s, 0);
	return 0;
}

SEC("tc") __failure __msg("cannot pass map_type 2 into func bpf_ringbuf_output#130")
int output_to_array(struct __sk_buff *skb)
{
	__u64 v = 0;

	return bpf_ringbuf_output(&array, &v, sizeof(v), 0);
}

SEC("tc") __failure __msg("cannot pass map_type 3 into func bpf_map_lookup_elem#1")
int lookup_in_prog_array(struct __sk_buff *skb)
{
	__u32 k = 0;

	return bpf_map_lookup_elem(&compat_progs, &k) != 0;
}

SEC("tc") __failure __msg("expected prog array map for tail call")
int tail_call_through_array(struct __sk_buff *skb)
{
	bpf_tail_call(skb, &array, 0);
	return 0;
}

/* A ring buffer has no keys: a lookup's key is a zero-sized read. */
SEC("tc") __failure __msg("invalid zero-sized read")
int lookup_in_ringbuf(struct __sk_buff *skb)
{
	__u32 k = 0;

	return bpf_map_lookup_elem(&compat_rb, &k) != 0;
}

SEC("tc") __success __retval(0)
int query_ringbuf(struct __sk_buff *skb)
{
	return bpf_ringbuf_query(&compat_rb, 0) > 4096;
}
