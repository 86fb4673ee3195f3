/* Sign extension (cpu v4): movsx (r = (s8/s16/s32)r, w = (s8/s16)w) and ldsx
 * (r = *(s8/s16/s32 *)p) give exact values at run time and ranges the verifier tracks: a
 * sign-extended byte is [-128, 127], so it needs a lower bound before it serves as an offset.
 * Each pair: the value or range inside, then the one outside. Checked against Linux by
 * `exbpf test --engine kernel`. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/exbpf_test.h>

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u8[16]);
} array SEC(".maps");

/* r6 = random; OPS; r0 = &value; r0 += r6; r0 = *(u8 *)r0 */
#define READ_AT(ops)                                                                             \
	asm volatile("call %[bpf_get_prandom_u32];\n"                                          \
		     "r6 = r0;\n"                                                                 \
		     "r6 <<= 32;\n"                                                               \
		     "r6 |= r0;\n"                                                                \
		     ops "\n"                                                                     \
		     "*(u32 *)(r10 - 4) = 0;\n"                                                   \
		     "r2 = r10;\n"                                                                \
		     "r2 += -4;\n"                                                                \
		     "r1 = %[array] ll;\n"                                                        \
		     "call %[bpf_map_lookup_elem];\n"                                             \
		     "if r0 == 0 goto l0_%=;\n"                                                   \
		     "r0 += r6;\n"                                                                \
		     "r0 = *(u8 *)(r0 + 0);\n"                                                    \
		     "l0_%=:\n"                                                                   \
		     "r0 = 0;\n"                                                                  \
		     "exit;\n"                                                                    \
		     :: __imm_addr(array), __imm(bpf_get_prandom_u32), __imm(bpf_map_lookup_elem) \
		     : __clobber_all)


#define NEGATIVE "R0 min value is negative, either use unsigned index or do a if (index >=0) check."

/* Values: (s8)0xff = -1, (s8)0x7f = 127, (s16)0x8000 = -32768. */
SEC("socket") __success __retval(-1)
__naked void movsx8_ff(void)
{
	asm volatile("r0 = 0xff;\n"
		     "r0 = (s8)r0;\n"
		     "exit;\n" ::: __clobber_all);
}

SEC("socket") __success __retval(127)
__naked void movsx8_7f(void)
{
	asm volatile("r0 = 0x17f;\n"
		     "r0 = (s8)r0;\n"
		     "exit;\n" ::: __clobber_all);
}

SEC("socket") __success __retval(-32768)
__naked void movsx16_8000(void)
{
	asm volatile("r0 = 0x8000;\n"
		     "r0 = (s16)r0;\n"
		     "exit;\n" ::: __clobber_all);
}

/* (s32) extends into the upper half; the 32-bit form (w = (s8)w) leaves it zero. */
SEC("socket") __success __retval(1)
__naked void movsx32_upper_half(void)
{
	asm volatile("r0 = 0x80000000 ll;\n"
		     "r0 = (s32)r0;\n"
		     "r0 >>= 63;\n"
		     "exit;\n" ::: __clobber_all);
}

SEC("socket") __success __retval(0)
__naked void movsx_w_upper_half_zero(void)
{
	asm volatile("r1 = 0x80;\n"
		     "w0 = (s8)w1;\n"
		     "r0 >>= 32;\n"
		     "exit;\n" ::: __clobber_all);
}

SEC("socket") __success __retval(-128)
__naked void movsx_w_low_half(void)
{
	asm volatile("r1 = 0x80;\n"
		     "w0 = (s8)w1;\n"
		     "exit;\n" ::: __clobber_all);
}

/* The verifier knows the constant: -128 at exit of a cgroup_skb program is out of [0, 1]. */
SEC("cgroup_skb/ingress") __failure
__msg("At program exit the register R0 has smin=-128 smax=-128 should have been in [0, 1]")
__naked void movsx_known_constant(void)
{
	asm volatile("r0 = 0x80;\n"
		     "r0 = (s8)r0;\n"
		     "exit;\n" ::: __clobber_all);
}

SEC("cgroup_skb/ingress") __success __retval(1)
__naked void movsx_known_positive(void)
{
	asm volatile("r0 = 0x101;\n"
		     "r0 = (s8)r0;\n"
		     "exit;\n" ::: __clobber_all);
}

/* Ranges: (s8) of anything is [-128, 127]: negative offsets are refused ... */
SEC("socket") __failure __msg(NEGATIVE)
__naked void movsx8_range_negative(void)
{
	READ_AT("r6 = (s8)r6;\n"
		"if r6 s> 15 goto l0_%=;");
}

/* ... and with a lower bound of 0 and an upper bound of 15 it is fine, 16 not. */
SEC("socket") __success __retval(0)
__naked void movsx8_range_bounded(void)
{
	READ_AT("r6 = (s8)r6;\n"
		"if r6 s< 0 goto l0_%=;\n"
		"if r6 s> 15 goto l0_%=;");
}

SEC("socket") __failure __msg("R0 max value is outside of the allowed memory range")
__naked void movsx8_range_16(void)
{
	READ_AT("r6 = (s8)r6;\n"
		"if r6 s< 0 goto l0_%=;\n"
		"if r6 s> 16 goto l0_%=;");
}

/* The verifier knows (s8) of [0, 127] stays [0, 127]: masked to 15 first, no check needed. */
SEC("socket") __success __retval(0)
__naked void movsx8_of_small(void)
{
	READ_AT("r6 &= 15;\n"
		"r6 = (s8)r6;");
}

SEC("socket") __failure __msg(NEGATIVE)
__naked void movsx8_of_byte(void)
{
	READ_AT("r6 &= 255;\n"
		"r6 = (s8)r6;");
}

/* ldsx from the stack: the stored byte 0x80 reads back as -128, as u8 as 128. */
SEC("socket") __success __retval(-128)
__naked void ldsx8_stack(void)
{
	asm volatile("r1 = 0x80;\n"
		     "*(u8 *)(r10 - 1) = r1;\n"
		     "r0 = *(s8 *)(r10 - 1);\n"
		     "exit;\n" ::: __clobber_all);
}

SEC("socket") __success __retval(128)
__naked void ldx8_stack(void)
{
	asm volatile("r1 = 0x80;\n"
		     "*(u8 *)(r10 - 1) = r1;\n"
		     "r0 = *(u8 *)(r10 - 1);\n"
		     "exit;\n" ::: __clobber_all);
}

SEC("socket") __success __retval(1)
__naked void ldsx32_stack_upper(void)
{
	asm volatile("r1 = 0x80000000 ll;\n"
		     "*(u32 *)(r10 - 4) = r1;\n"
		     "r0 = *(s32 *)(r10 - 4);\n"
		     "r0 >>= 63;\n"
		     "exit;\n" ::: __clobber_all);
}

/* ldsx from a map value: [-128, 127] as well. */
SEC("socket") __failure __msg(NEGATIVE)
__naked void ldsx8_value_as_offset(void)
{
	asm volatile("*(u32 *)(r10 - 4) = 0;\n"
		     "r2 = r10;\n"
		     "r2 += -4;\n"
		     "r1 = %[array] ll;\n"
		     "call %[bpf_map_lookup_elem];\n"
		     "if r0 == 0 goto l0_%=;\n"
		     "r1 = *(s8 *)(r0 + 0);\n"
		     "if r1 s> 15 goto l0_%=;\n"
		     "r0 += r1;\n"
		     "r0 = *(u8 *)(r0 + 0);\n"
		     "l0_%=:\n"
		     "r0 = 0;\n"
		     "exit;\n"
		     :: __imm_addr(array), __imm(bpf_map_lookup_elem) : __clobber_all);
}

SEC("socket") __success __retval(0)
__naked void ldx8_value_as_offset(void)
{
	asm volatile("*(u32 *)(r10 - 4) = 0;\n"
		     "r2 = r10;\n"
		     "r2 += -4;\n"
		     "r1 = %[array] ll;\n"
		     "call %[bpf_map_lookup_elem];\n"
		     "if r0 == 0 goto l0_%=;\n"
		     "r1 = *(u8 *)(r0 + 0);\n"
		     "if r1 > 15 goto l0_%=;\n"
		     "r0 += r1;\n"
		     "r0 = *(u8 *)(r0 + 0);\n"
		     "l0_%=:\n"
		     "r0 = 0;\n"
		     "exit;\n"
		     :: __imm_addr(array), __imm(bpf_map_lookup_elem) : __clobber_all);
}

/* ldsx from a scalar context field is allowed (Linux 6.18), with the field's value; ldsx of a
 * pointer field (skb->data) is refused. */
SEC("tc") __success __retval(64)
__naked void ldsx_ctx_len(void)
{
	asm volatile("r0 = *(s32 *)(r1 + %[len]);\n"
		     "exit;\n"
		     :: __imm_const(len, offsetof(struct __sk_buff, len)) : __clobber_all);
}

SEC("tc") __failure __msg("invalid bpf_context access off=76 size=4")
__naked void ldsx_ctx_data(void)
{
	asm volatile("r0 = *(s32 *)(r1 + %[data]);\n"
		     "r0 = 0;\n"
		     "exit;\n"
		     :: __imm_const(data, offsetof(struct __sk_buff, data)) : __clobber_all);
}

/* ldsx from the packet is allowed (after the bounds check): the zero bytes read as 0. */
SEC("xdp") __success __retval(0)
__naked void ldsx_packet(void)
{
	asm volatile("r2 = *(u32 *)(r1 + %[data]);\n"
		     "r3 = *(u32 *)(r1 + %[data_end]);\n"
		     "r4 = r2;\n"
		     "r4 += 2;\n"
		     "r0 = 1;\n"
		     "if r4 > r3 goto l0_%=;\n"
		     "r0 = *(s16 *)(r2 + 0);\n"
		     "l0_%=:\n"
		     "exit;\n"
		     :: __imm_const(data, offsetof(struct xdp_md, data)),
			__imm_const(data_end, offsetof(struct xdp_md, data_end))
		     : __clobber_all);
}

/* movsx of a pointer gives no pointer: dereferencing the result is refused. */
SEC("socket") __failure __msg("R1 invalid mem access 'scalar'")
__naked void movsx_of_pointer(void)
{
	asm volatile("r1 = (s32)r10;\n"
		     "r0 = *(u64 *)(r1 - 8);\n"
		     "exit;\n" ::: __clobber_all);
}

/* A copy that cannot change the value stays linked to its source, as in Linux: a sign
 * extension of a value whose sign bit is clear, a 32-bit copy of a value that fits. A bound
 * learned on the copy then holds for the source. */
SEC("socket") __success __retval(0)
__naked void movsx8_copy_linked(void)
{
	READ_AT("r6 &= 0x7f;\n"
		"r7 = (s8)r6;\n"
		"if r7 > 15 goto l0_%=;");
}

/* (s8) of a value up to 255 may change it: no link, the source keeps [0, 255]. */
SEC("socket") __failure __msg("invalid access to map value, value_size=16 off=255 size=1")
__naked void movsx8_copy_unlinked(void)
{
	READ_AT("r6 &= 0xff;\n"
		"r7 = (s8)r6;\n"
		"if r7 > 15 goto l0_%=;");
}

SEC("socket") __success __retval(0)
__naked void mov32_copy_linked(void)
{
	READ_AT("r6 &= 0xff;\n"
		"w7 = w6;\n"
		"if w7 > 15 goto l0_%=;");
}

/* A value wider than 32 bits: the 32-bit copy is another value, no link. */
SEC("socket") __failure
__msg("math between map_value pointer and register with unbounded min value is not allowed")
__naked void mov32_copy_unlinked(void)
{
	READ_AT("w7 = w6;\n"
		"if w7 > 15 goto l0_%=;");
}
