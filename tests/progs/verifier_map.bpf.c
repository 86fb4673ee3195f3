/* Map value access: a lookup's result must be null-checked (except an array lookup with a
 * constant key in range), accesses must stay within value_size, variable offsets need bounds
 * learned from comparisons or masks, read-only maps take no writes, keys must be readable stack.
 * Each pair: the last access inside the rule, then one byte outside. Checked against Linux by
 * `exbpf test --engine kernel`. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/exbpf_test.h>

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} hash SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} array SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__uint(map_flags, BPF_F_RDONLY_PROG);
	__type(key, __u32);
	__type(value, __u64);
} rdonly SEC(".maps");

/* r0 = lookup(MAP, key 0 at r10-4) */
#define LOOKUP(map)                                                                              \
	"r1 = 0;\n"                                                                              \
	"*(u32 *)(r10 - 4) = r1;\n"                                                              \
	"r2 = r10;\n"                                                                            \
	"r2 += -4;\n"                                                                            \
	"r1 = %[" #map "] ll;\n"                                                                 \
	"call %[bpf_map_lookup_elem];\n"

/* A hash lookup may return NULL: the value is usable only after the check. */
SEC("socket") __failure __msg("R0 invalid mem access 'map_value_or_null'")
__naked void hash_no_null_check(void)
{
	asm volatile(LOOKUP(hash)
		     "r0 = *(u64 *)(r0 + 0);\n"
		     "exit;\n"
		     :: __imm_addr(hash), __imm(bpf_map_lookup_elem) : __clobber_all);
}

SEC("socket") __success __retval(0)
__naked void hash_null_checked(void)
{
	asm volatile(LOOKUP(hash)
		     "if r0 == 0 goto l0_%=;\n"
		     "r0 = *(u64 *)(r0 + 0);\n"
		     "l0_%=:\n"
		     "r0 = 0;\n"
		     "exit;\n"
		     :: __imm_addr(hash), __imm(bpf_map_lookup_elem) : __clobber_all);
}

/* Checking the wrong branch leaves the pointer possibly NULL where it is used. */
SEC("socket") __failure __msg("R0 invalid mem access 'scalar'")
__naked void null_check_inverted(void)
{
	asm volatile(LOOKUP(hash)
		     "if r0 != 0 goto l0_%=;\n"
		     "r0 = *(u64 *)(r0 + 0);\n"
		     "l0_%=:\n"
		     "r0 = 0;\n"
		     "exit;\n"
		     :: __imm_addr(hash), __imm(bpf_map_lookup_elem) : __clobber_all);
}

/* An array lookup with a constant key below max_entries cannot fail: no check needed ... The
 * key must be a constant the verifier sees in the stack slot: a 4-byte register spill at an
 * 8-aligned slot, or zero stored by BPF_ST. */
SEC("socket") __success __retval(0)
__naked void array_const_key_in_range(void)
{
	asm volatile("r1 = 1;\n"
		     "*(u32 *)(r10 - 8) = r1;\n"
		     "r2 = r10;\n"
		     "r2 += -8;\n"
		     "r1 = %[array] ll;\n"
		     "call %[bpf_map_lookup_elem];\n"
		     "r0 = *(u64 *)(r0 + 0);\n"
		     "exit;\n"
		     :: __imm_addr(array), __imm(bpf_map_lookup_elem) : __clobber_all);
}

/* ... key max_entries can fail: the check is required again. */
SEC("socket") __failure __msg("R0 invalid mem access 'map_value_or_null'")
__naked void array_const_key_out_of_range(void)
{
	asm volatile("r1 = 2;\n"
		     "*(u32 *)(r10 - 8) = r1;\n"
		     "r2 = r10;\n"
		     "r2 += -8;\n"
		     "r1 = %[array] ll;\n"
		     "call %[bpf_map_lookup_elem];\n"
		     "r0 = *(u64 *)(r0 + 0);\n"
		     "exit;\n"
		     :: __imm_addr(array), __imm(bpf_map_lookup_elem) : __clobber_all);
}

SEC("socket") __success __retval(0)
__naked void array_const_key_zero_st(void)
{
	asm volatile("*(u32 *)(r10 - 4) = 0;\n"
		     "r2 = r10;\n"
		     "r2 += -4;\n"
		     "r1 = %[array] ll;\n"
		     "call %[bpf_map_lookup_elem];\n"
		     "r0 = *(u64 *)(r0 + 0);\n"
		     "exit;\n"
		     :: __imm_addr(array), __imm(bpf_map_lookup_elem) : __clobber_all);
}

/* The log (level 2) shows the difference: the constant-key lookup's R0 is a plain map_value
 * (after the precision marks the constant key needs), never map_value_or_null; the unknown-key
 * lookup's is or_null. */
SEC("socket") __success __log_level(2)
__msg("call bpf_map_lookup_elem#1") __msg("R0=map_value(map=array,ks=4,vs=8)")
__not_msg("map_value_or_null")
__naked void array_const_key_log(void)
{
	asm volatile("r1 = 1;\n"
		     "*(u32 *)(r10 - 8) = r1;\n"
		     "r2 = r10;\n"
		     "r2 += -8;\n"
		     "r1 = %[array] ll;\n"
		     "call %[bpf_map_lookup_elem];\n"
		     "r0 = 0;\n"
		     "exit;\n"
		     :: __imm_addr(array), __imm(bpf_map_lookup_elem) : __clobber_all);
}

SEC("socket") __success __log_level(2)
__msg("call bpf_map_lookup_elem#1{{ +}}; R0=map_value_or_null(id=1,map=array,ks=4,vs=8)")
__naked void array_unknown_key_log(void)
{
	asm volatile("call %[bpf_get_prandom_u32];\n"
		     "*(u32 *)(r10 - 8) = r0;\n"
		     "r2 = r10;\n"
		     "r2 += -8;\n"
		     "r1 = %[array] ll;\n"
		     "call %[bpf_map_lookup_elem];\n"
		     "r0 = 0;\n"
		     "exit;\n"
		     :: __imm_addr(array), __imm(bpf_get_prandom_u32), __imm(bpf_map_lookup_elem)
		     : __clobber_all);
}

/* The same constant key spilled at r10-4 (not 8-aligned) is not tracked: check required. */
SEC("socket") __failure __msg("R0 invalid mem access 'map_value_or_null'")
__naked void array_const_key_unaligned_spill(void)
{
	asm volatile("r1 = 1;\n"
		     "*(u32 *)(r10 - 4) = r1;\n"
		     "r2 = r10;\n"
		     "r2 += -4;\n"
		     "r1 = %[array] ll;\n"
		     "call %[bpf_map_lookup_elem];\n"
		     "r0 = *(u64 *)(r0 + 0);\n"
		     "exit;\n"
		     :: __imm_addr(array), __imm(bpf_map_lookup_elem) : __clobber_all);
}

/* An unknown key gives a possibly-NULL pointer, even into an array. */
SEC("socket") __failure __msg("R0 invalid mem access 'map_value_or_null'")
__naked void array_unknown_key(void)
{
	asm volatile("call %[bpf_get_prandom_u32];\n"
		     "*(u32 *)(r10 - 4) = r0;\n"
		     "r2 = r10;\n"
		     "r2 += -4;\n"
		     "r1 = %[array] ll;\n"
		     "call %[bpf_map_lookup_elem];\n"
		     "r0 = *(u64 *)(r0 + 0);\n"
		     "exit;\n"
		     :: __imm_addr(array), __imm(bpf_get_prandom_u32), __imm(bpf_map_lookup_elem)
		     : __clobber_all);
}

/* value_size=8: a 4-byte read at offset 4 is the last one inside. */
SEC("socket") __success __retval(0)
__naked void value_read_last_word(void)
{
	asm volatile(LOOKUP(array)
		     "r0 = *(u32 *)(r0 + 4);\n"
		     "r0 = 0;\n"
		     "exit;\n"
		     :: __imm_addr(array), __imm(bpf_map_lookup_elem) : __clobber_all);
}

SEC("socket") __failure __msg("invalid access to map value, value_size=8 off=8 size=4")
__naked void value_read_past_end(void)
{
	asm volatile(LOOKUP(array)
		     "r0 = *(u32 *)(r0 + 8);\n"
		     "r0 = 0;\n"
		     "exit;\n"
		     :: __imm_addr(array), __imm(bpf_map_lookup_elem) : __clobber_all);
}

SEC("socket") __failure __msg("invalid access to map value, value_size=8 off=4 size=8")
__naked void value_read_crossing_end(void)
{
	asm volatile(LOOKUP(array)
		     "r0 = *(u64 *)(r0 + 4);\n"
		     "r0 = 0;\n"
		     "exit;\n"
		     :: __imm_addr(array), __imm(bpf_map_lookup_elem) : __clobber_all);
}

SEC("socket") __failure __msg("invalid access to map value, value_size=8 off=-1 size=1")
__naked void value_read_before_start(void)
{
	asm volatile(LOOKUP(array)
		     "r0 = *(u8 *)(r0 - 1);\n"
		     "r0 = 0;\n"
		     "exit;\n"
		     :: __imm_addr(array), __imm(bpf_map_lookup_elem) : __clobber_all);
}

/* A variable offset bounded by a comparison: [0, 4] + 4 bytes fits, [0, 5] does not. */
SEC("socket") __success __retval(0)
__naked void var_off_cmp_in_bounds(void)
{
	asm volatile("call %[bpf_get_prandom_u32];\n"
		     "r6 = r0;\n"
		     LOOKUP(array)
		     "if r6 > 4 goto l0_%=;\n"
		     "r0 += r6;\n"
		     "r0 = *(u32 *)(r0 + 0);\n"
		     "l0_%=:\n"
		     "r0 = 0;\n"
		     "exit;\n"
		     :: __imm_addr(array), __imm(bpf_get_prandom_u32), __imm(bpf_map_lookup_elem)
		     : __clobber_all);
}

SEC("socket") __failure __msg("R0 max value is outside of the allowed memory range")
__naked void var_off_cmp_out_of_bounds(void)
{
	asm volatile("call %[bpf_get_prandom_u32];\n"
		     "r6 = r0;\n"
		     LOOKUP(array)
		     "if r6 > 5 goto l0_%=;\n"
		     "r0 += r6;\n"
		     "r0 = *(u32 *)(r0 + 0);\n"
		     "l0_%=:\n"
		     "r0 = 0;\n"
		     "exit;\n"
		     :: __imm_addr(array), __imm(bpf_get_prandom_u32), __imm(bpf_map_lookup_elem)
		     : __clobber_all);
}

/* A variable offset bounded by a mask: & 4 fits a 4-byte read, & 5 does not. */
SEC("socket") __success __retval(0)
__naked void var_off_mask_in_bounds(void)
{
	asm volatile("call %[bpf_get_prandom_u32];\n"
		     "r6 = r0;\n"
		     LOOKUP(array)
		     "r6 &= 4;\n"
		     "r0 += r6;\n"
		     "r0 = *(u32 *)(r0 + 0);\n"
		     "r0 = 0;\n"
		     "exit;\n"
		     :: __imm_addr(array), __imm(bpf_get_prandom_u32), __imm(bpf_map_lookup_elem)
		     : __clobber_all);
}

SEC("socket") __failure __msg("R0 max value is outside of the allowed memory range")
__naked void var_off_mask_out_of_bounds(void)
{
	asm volatile("call %[bpf_get_prandom_u32];\n"
		     "r6 = r0;\n"
		     LOOKUP(array)
		     "r6 &= 5;\n"
		     "r0 += r6;\n"
		     "r0 = *(u8 *)(r0 + 3);\n"
		     "r0 = 0;\n"
		     "exit;\n"
		     :: __imm_addr(array), __imm(bpf_get_prandom_u32), __imm(bpf_map_lookup_elem)
		     : __clobber_all);
}

/* An offset in [-8, 7] with only an upper signed bound (4) may still be negative. */
SEC("socket") __failure
__msg("R0 min value is negative, either use unsigned index or do a if (index >=0) check.")
__naked void var_off_signed_upper_only(void)
{
	asm volatile("call %[bpf_get_prandom_u32];\n"
		     "r6 = r0;\n"
		     "r6 &= 15;\n"
		     "r6 -= 8;\n"
		     LOOKUP(array)
		     "if r6 s> 4 goto l0_%=;\n"
		     "r0 += r6;\n"
		     "r0 = *(u32 *)(r0 + 0);\n"
		     "l0_%=:\n"
		     "r0 = 0;\n"
		     "exit;\n"
		     :: __imm_addr(array), __imm(bpf_get_prandom_u32), __imm(bpf_map_lookup_elem)
		     : __clobber_all);
}

SEC("socket") __success __retval(0)
__naked void var_off_signed_both_bounds(void)
{
	asm volatile("call %[bpf_get_prandom_u32];\n"
		     "r6 = r0;\n"
		     "r6 &= 15;\n"
		     "r6 -= 8;\n"
		     LOOKUP(array)
		     "if r6 s> 4 goto l0_%=;\n"
		     "if r6 s< 0 goto l0_%=;\n"
		     "r0 += r6;\n"
		     "r0 = *(u32 *)(r0 + 0);\n"
		     "l0_%=:\n"
		     "r0 = 0;\n"
		     "exit;\n"
		     :: __imm_addr(array), __imm(bpf_get_prandom_u32), __imm(bpf_map_lookup_elem)
		     : __clobber_all);
}

/* A sign-extended 32-bit value reaches -2^31: too far to add to a map value pointer at all. */
SEC("socket") __failure __msg("value -2147483648 makes map_value pointer be out of bounds")
__naked void var_off_too_negative(void)
{
	asm volatile("call %[bpf_get_prandom_u32];\n"
		     "r6 = r0;\n"
		     "r6 <<= 32;\n"
		     "r6 s>>= 32;\n"
		     LOOKUP(array)
		     "if r6 s> 4 goto l0_%=;\n"
		     "r0 += r6;\n"
		     "l0_%=:\n"
		     "r0 = 0;\n"
		     "exit;\n"
		     :: __imm_addr(array), __imm(bpf_get_prandom_u32), __imm(bpf_map_lookup_elem)
		     : __clobber_all);
}

/* A map read-only for programs: reads are fine, writes are refused. */
SEC("socket") __success __retval(0)
__naked void rdonly_read(void)
{
	asm volatile(LOOKUP(rdonly)
		     "r0 = *(u64 *)(r0 + 0);\n"
		     "exit;\n"
		     :: __imm_addr(rdonly), __imm(bpf_map_lookup_elem) : __clobber_all);
}

SEC("socket") __failure __msg("write into map forbidden, value_size=8 off=0 size=8")
__naked void rdonly_write(void)
{
	asm volatile(LOOKUP(rdonly)
		     "r1 = 1;\n"
		     "*(u64 *)(r0 + 0) = r1;\n"
		     "r0 = 0;\n"
		     "exit;\n"
		     :: __imm_addr(rdonly), __imm(bpf_map_lookup_elem) : __clobber_all);
}

/* The key (4 bytes) must lie within the stack: r10-4 does, r10-2 crosses the frame pointer. */
SEC("socket") __failure __msg("invalid read from stack R2 off=-2 size=4")
__naked void key_crossing_frame_pointer(void)
{
	asm volatile("r2 = r10;\n"
		     "r2 += -2;\n"
		     "r1 = %[hash] ll;\n"
		     "call %[bpf_map_lookup_elem];\n"
		     "r0 = 0;\n"
		     "exit;\n"
		     :: __imm_addr(hash), __imm(bpf_map_lookup_elem) : __clobber_all);
}

/* An uninitialized key is allowed for root. */
SEC("socket") __success __retval(0)
__naked void key_uninit_stack(void)
{
	asm volatile("r2 = r10;\n"
		     "r2 += -4;\n"
		     "r1 = %[hash] ll;\n"
		     "call %[bpf_map_lookup_elem];\n"
		     "r0 = 0;\n"
		     "exit;\n"
		     :: __imm_addr(hash), __imm(bpf_map_lookup_elem) : __clobber_all);
}

/* A written value is read back through a second lookup of the same element. */
SEC("socket") __success __retval(77)
__naked void value_write_read_back(void)
{
	asm volatile(LOOKUP(array)
		     "r1 = 77;\n"
		     "*(u64 *)(r0 + 0) = r1;\n"
		     LOOKUP(array)
		     "r0 = *(u64 *)(r0 + 0);\n"
		     "exit;\n"
		     :: __imm_addr(array), __imm(bpf_map_lookup_elem) : __clobber_all);
}

/* A map the program may only write (BPF_F_WRONLY_PROG): stores go in, loads do not, and
 * neither does a helper reading the value. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__uint(map_flags, BPF_F_WRONLY_PROG);
	__type(key, __u32);
	__type(value, __u64);
} wronly SEC(".maps");

SEC("socket") __success __retval(0)
__naked void wronly_store(void)
{
	asm volatile(LOOKUP(wronly)
		     "if r0 == 0 goto 1f;\n"
		     "r1 = 7;\n"
		     "*(u64 *)(r0 + 0) = r1;\n"
		     "1:\n"
		     "r0 = 0;\n"
		     "exit;\n" :: __imm_addr(wronly), __imm(bpf_map_lookup_elem) : __clobber_all);
}

SEC("socket") __failure __msg("read from map forbidden, value_size=8 off=4 size=4")
__naked void wronly_load(void)
{
	asm volatile(LOOKUP(wronly)
		     "if r0 == 0 goto 1f;\n"
		     "r0 = *(u32 *)(r0 + 4);\n"
		     "1:\n"
		     "r0 = 0;\n"
		     "exit;\n" :: __imm_addr(wronly), __imm(bpf_map_lookup_elem) : __clobber_all);
}

SEC("tc") __failure __msg("read from map forbidden, value_size=8 off=0 size=8")
__naked void wronly_helper_read(void)
{
	asm volatile(LOOKUP(wronly)
		     "if r0 == 0 goto 1f;\n"
		     "r1 = r0;\n"
		     "r2 = 8;\n"
		     "r3 = 0;\n"
		     "r4 = 0;\n"
		     "r5 = 0;\n"
		     "call %[bpf_csum_diff];\n"
		     "1:\n"
		     "r0 = 0;\n"
		     "exit;\n"
		     :: __imm_addr(wronly), __imm(bpf_map_lookup_elem), __imm(bpf_csum_diff)
		     : __clobber_all);
}

/* A helper may read zero bytes of a map value where its size argument allows zero. */
SEC("tc") __success
__naked void map_value_zero_sized_helper_read(void)
{
	asm volatile(LOOKUP(array)
		     "if r0 == 0 goto 1f;\n"
		     "r1 = r0;\n"
		     "r2 = 0;\n"
		     "r3 = 0;\n"
		     "r4 = 0;\n"
		     "r5 = 0;\n"
		     "call %[bpf_csum_diff];\n"
		     "1:\n"
		     "r0 = 0;\n"
		     "exit;\n"
		     :: __imm_addr(array), __imm(bpf_map_lookup_elem), __imm(bpf_csum_diff)
		     : __clobber_all);
}

/* A map pointer tested against 0 is decided (it is never null): the other side is dead, its
 * write to r10 never checked. */
SEC("socket") __success __retval(0)
__naked void map_ptr_null_test_decided(void)
{
	asm volatile("r2 = %[array] ll;\n"
		     "if r2 != 0 goto 1f;\n"
		     "r10 = 0;\n"
		     "1:\n"
		     "r0 = 0;\n"
		     "exit;\n" :: __imm_addr(array) : __clobber_all);
}

/* An atomic operation is aligned to its size even where plain loads need not be. */
SEC("socket") __success __retval(0)
__naked void map_value_atomic_aligned(void)
{
	asm volatile(LOOKUP(array)
		     "if r0 == 0 goto 1f;\n"
		     "r1 = 1;\n"
		     "lock *(u32 *)(r0 + 4) += w1;\n"
		     "1:\n"
		     "r0 = 0;\n"
		     "exit;\n" :: __imm_addr(array), __imm(bpf_map_lookup_elem) : __clobber_all);
}

SEC("socket") __failure __msg("misaligned value access off 0+0+2 size 4")
__naked void map_value_atomic_misaligned(void)
{
	asm volatile(LOOKUP(array)
		     "if r0 == 0 goto 1f;\n"
		     "r1 = 1;\n"
		     "lock *(u32 *)(r0 + 2) += w1;\n"
		     "1:\n"
		     "r0 = 0;\n"
		     "exit;\n" :: __imm_addr(array), __imm(bpf_map_lookup_elem) : __clobber_all);
}

/* Load-acquire and store-release (encoded by hand: clang 19 has no mnemonics for them) are
 * loads and stores of any width, aligned to it: store_release((u16 *)(r0 + 2), r1), then
 * r2 = load_acquire((u16 *)(r0 + 2)). */
SEC("socket") __success __retval(0xbeef)
__naked void map_value_release_then_acquire(void)
{
	asm volatile(LOOKUP(array)
		     "if r0 == 0 goto 1f;\n"
		     "r1 = 0x1beef;\n"
		     ".8byte 0x00000110000210cb;\n"
		     ".8byte 0x00000100000202cb;\n"
		     "r0 = r2;\n"
		     "exit;\n"
		     "1:\n"
		     "r0 = 0;\n"
		     "exit;\n" :: __imm_addr(array), __imm(bpf_map_lookup_elem) : __clobber_all);
}

/* store_release((u16 *)(r0 + 1), r1) */
SEC("socket") __failure __msg("misaligned value access off 0+0+1 size 2")
__naked void map_value_release_misaligned(void)
{
	asm volatile(LOOKUP(array)
		     "if r0 == 0 goto 1f;\n"
		     "r1 = 1;\n"
		     ".8byte 0x00000110000110cb;\n"
		     "1:\n"
		     "r0 = 0;\n"
		     "exit;\n" :: __imm_addr(array), __imm(bpf_map_lookup_elem) : __clobber_all);
}

/* A map file descriptor left in an lddw (no relocation names a map of the object) is no map:
 * `r1 = map_fd(0)` (standard input), encoded by hand as a compiler never emits it. */
SEC("socket") __failure __msg("fd 0 is not pointing to valid bpf_map")
__naked void raw_map_fd(void)
{
	asm volatile(".8byte 0x0000000000001118;\n"
		     ".8byte 0;\n"
		     "r0 = 0;\n"
		     "exit;\n" ::: __clobber_all);
}

/* Maps and helpers go in Linux's pairs: a prog array only to bpf_tail_call, a ring buffer only
 * to the ring buffer helpers, bpf_tail_call only a prog array. */
struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 2);
	__uint(key_size, 4);
	__uint(value_size, 4);
} progs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} ring SEC(".maps");

SEC("tc") __failure __msg("cannot pass map_type 3 into func bpf_map_lookup_elem#1")
__naked void lookup_in_prog_array(void)
{
	asm volatile("r1 = 0;\n"
		     "*(u32 *)(r10 - 4) = r1;\n"
		     "r2 = r10;\n"
		     "r2 += -4;\n"
		     "r1 = %[progs] ll;\n"
		     "call %[bpf_map_lookup_elem];\n"
		     "r0 = 0;\n"
		     "exit;\n" :: __imm_addr(progs), __imm(bpf_map_lookup_elem) : __clobber_all);
}

SEC("tc") __success __retval(0)
__naked void tail_call_prog_array(void)
{
	asm volatile("r2 = %[progs] ll;\n"
		     "r3 = 1;\n"
		     "call %[bpf_tail_call];\n"
		     "r0 = 0;\n"
		     "exit;\n" :: __imm_addr(progs), __imm(bpf_tail_call) : __clobber_all);
}

SEC("tc") __failure __msg("expected prog array map for tail call")
__naked void tail_call_hash_map(void)
{
	asm volatile("r2 = %[hash] ll;\n"
		     "r3 = 0;\n"
		     "call %[bpf_tail_call];\n"
		     "r0 = 0;\n"
		     "exit;\n" :: __imm_addr(hash), __imm(bpf_tail_call) : __clobber_all);
}

SEC("tc") __failure __msg("cannot pass map_type 1 into func bpf_ringbuf_output#130")
__naked void ringbuf_output_to_hash(void)
{
	asm volatile("r1 = 0;\n"
		     "*(u64 *)(r10 - 8) = r1;\n"
		     "r2 = r10;\n"
		     "r2 += -8;\n"
		     "r1 = %[hash] ll;\n"
		     "r3 = 8;\n"
		     "r4 = 0;\n"
		     "call %[bpf_ringbuf_output];\n"
		     "r0 = 0;\n"
		     "exit;\n" :: __imm_addr(hash), __imm(bpf_ringbuf_output) : __clobber_all);
}

/* A ring buffer's key is zero bytes: a lookup reads none, which Linux refuses first. */
SEC("tc") __failure __msg("invalid zero-sized read")
__naked void lookup_in_ringbuf(void)
{
	asm volatile("r1 = 0;\n"
		     "*(u64 *)(r10 - 8) = r1;\n"
		     "r2 = r10;\n"
		     "r2 += -8;\n"
		     "r1 = %[ring] ll;\n"
		     "call %[bpf_map_lookup_elem];\n"
		     "r0 = 0;\n"
		     "exit;\n" :: __imm_addr(ring), __imm(bpf_map_lookup_elem) : __clobber_all);
}
