/* The verifier log in Linux's notation: one program per instruction family, each ending on
 * a read of the never-written r9 so that Linux's level-1 log (the failing path) shows every
 * instruction. The __msg lines are Linux 6.18's log text for them, instruction and state,
 * checked against both verifiers (`exbpf test`, `exbpf test --engine kernel`). */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/exbpf_test.h>

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} array SEC(".maps");

__u64 gvar;

SEC("socket") __failure __log_level(1)
__msg("0: (b7) r1 = 1                        ; R1=1")
__msg("3: (0f) r1 += r2                      ; R1=6 R2=2")
__msg("4: (17) r1 -= -4                      ; R1=10")
__msg("28: (87) r1 = -r1                     ; R1=-13")
__msg("33: (bf) r1 = (s32)r2                 ; R1=2 R2=2")
__msg("62: (84) w1 = -w1                     ; R1=0xfffffff3")
__msg("65: (bc) w1 = (s8)w2                  ; R1=2 R2=2")
__msg("70: (dc) r1 = be16 r1                 ; R1=512")
__msg("72: (dc) r1 = be64 r1                 ; R1=0x20000000000")
__msg("76: (18) r1 = 0x123456789             ; R1=0x123456789")
__msg("78: (18) r2 = 0xffffffffffffffff      ; R2=-1")
__msg("R9 !read_ok")
__naked void alu(void)
{
	asm volatile(
	"r1 = 1; r2 = 2; r1 += 3; r1 += r2; r1 -= -4; r1 -= r2; r1 *= 5; r1 *= r2;"
	"r1 /= 6; r1 /= r2; r1 s/= 7; r1 s/= r2; r1 %%= 8; r1 %%= r2; r1 s%%= 9; r1 s%%= r2;"
	"r1 |= 10; r1 |= r2; r1 &= 11; r1 &= r2; r1 <<= 12; r1 <<= r2; r1 >>= 13; r1 >>= r2;"
	"r1 s>>= 14; r1 s>>= r2; r1 ^= 15; r1 ^= r2; r1 = -r1; r1 = r2; r1 = -16;"
	"r1 = (s8)r2; r1 = (s16)r2; r1 = (s32)r2;"
	"w1 = 1; w2 = 2; w1 += 3; w1 += w2; w1 -= -4; w1 -= w2; w1 *= 5; w1 *= w2;"
	"w1 /= 6; w1 /= w2; w1 s/= 7; w1 s/= w2; w1 %%= 8; w1 %%= w2; w1 s%%= 9; w1 s%%= w2;"
	"w1 |= 10; w1 |= w2; w1 &= 11; w1 &= w2; w1 <<= 12; w1 <<= w2; w1 >>= 13; w1 >>= w2;"
	"w1 s>>= 14; w1 s>>= w2; w1 ^= 15; w1 ^= w2; w1 = -w1; w1 = w2; w1 = -16;"
	"w1 = (s8)w2; w1 = (s16)w2;"
	"r1 = le16 r1; r1 = le32 r1; r1 = le64 r1; r1 = be16 r1; r1 = be32 r1; r1 = be64 r1;"
	"r1 = bswap16 r1; r1 = bswap32 r1; r1 = bswap64 r1;"
	"r1 = 0x123456789 ll; r2 = -1 ll;"
	"r0 = r9; exit;" ::: __clobber_all);
}

SEC("socket") __failure __log_level(1)
__msg("1: (7b) *(u64 *)(r10 -8) = r1         ; R1=1 R10=fp0 fp-8=1")
__msg("2: (63) *(u32 *)(r10 -12) = r1        ; R1=1 R10=fp0 fp-16=mmmm????")
__msg("6: (62) *(u32 *)(r10 -28) = -1        ; R10=fp0 fp-32=mmmm????")
__msg("15: (91) r2 = *(s8 *)(r10 -15)        ; R2=scalar(smin=smin32=-128,smax=smax32=127) R10=fp0 fp-16=mmmmmmm?")
__msg("19: (61) r2 = *(u32 *)(r3 +4)         ; R2=scalar(smin=0,smax=umax=0xffffffff,var_off=(0x0; 0xffffffff)) R3=fp-8 fp-8=1")
__msg("20: (db) lock *(u64 *)(r10 -8) += r1")
__msg("28: (db) r1 = atomic64_fetch_add((u64 *)(r10 -8), r1)")
__msg("33: (c3) r1 = atomic_fetch_or((u32 *)(r10 -12), r1)   ; R1=scalar(smin=0,smax=umax=0xffffffff,var_off=(0x0; 0xffffffff)) R10=fp0 fp-16=mmmmmmm?")
__msg("36: (db) r1 = atomic64_xchg((u64 *)(r10 -8), r1)")
__msg("40: (c3) r0 = atomic_cmpxchg((u32 *)(r10 -12), r0, r1)")
__msg("R9 !read_ok")
__naked void mem(void)
{
	asm volatile(
	"r1 = 1;"
	"*(u64 *)(r10 - 8) = r1; *(u32 *)(r10 - 12) = r1; *(u16 *)(r10 - 14) = r1; *(u8 *)(r10 - 15) = r1;"
	"*(u64 *)(r10 - 24) = 7; *(u32 *)(r10 - 28) = -1; *(u16 *)(r10 - 30) = 2; *(u8 *)(r10 - 31) = 3;"
	"r2 = *(u64 *)(r10 - 8); r2 = *(u32 *)(r10 - 12); r2 = *(u16 *)(r10 - 14); r2 = *(u8 *)(r10 - 15);"
	"r2 = *(s32 *)(r10 - 12); r2 = *(s16 *)(r10 - 14); r2 = *(s8 *)(r10 - 15);"
	"r3 = r10; r3 += -8; r2 = *(u64 *)(r3 + 0); r2 = *(u32 *)(r3 + 4);"
	"lock *(u64 *)(r10 - 8) += r1; lock *(u64 *)(r10 - 8) |= r1; lock *(u64 *)(r10 - 8) &= r1; lock *(u64 *)(r10 - 8) ^= r1;"
	"lock *(u32 *)(r10 - 12) += w1; lock *(u32 *)(r10 - 12) |= w1; lock *(u32 *)(r10 - 12) &= w1; lock *(u32 *)(r10 - 12) ^= w1;"
	"r1 = atomic_fetch_add((u64 *)(r10 - 8), r1); r1 = atomic_fetch_or((u64 *)(r10 - 8), r1);"
	"r1 = atomic_fetch_and((u64 *)(r10 - 8), r1); r1 = atomic_fetch_xor((u64 *)(r10 - 8), r1);"
	"w1 = atomic_fetch_add((u32 *)(r10 - 12), w1); w1 = atomic_fetch_or((u32 *)(r10 - 12), w1);"
	"w1 = atomic_fetch_and((u32 *)(r10 - 12), w1); w1 = atomic_fetch_xor((u32 *)(r10 - 12), w1);"
	"r1 = xchg_64(r10 - 8, r1); w1 = xchg32_32(r10 - 12, w1);"
	"r0 = 0; r0 = cmpxchg_64(r10 - 8, r0, r1); w0 = cmpxchg32_32(r10 - 12, w0, w1);"
	"r0 = r9; exit;" ::: __clobber_all);
}

static __attribute__((used)) __naked void sub1(void)
{
	asm volatile("r0 = 0; exit;" ::: __clobber_all);
}

SEC("socket") __failure __log_level(1)
__msg("0: R1=ctx() R10=fp0")
__msg("0: (85) call bpf_get_prandom_u32#7    ; R0=scalar()")
__msg("3: (15) if r1 == 0x1 goto pc+0        ; R1=scalar(id=1)")
__msg("9: (75) if r1 s>= 0xfffffff9 goto pc+0        ; R1=scalar(id=1,smin=smin32=0,smax=umax=smax32=umax32=2,var_off=(0x0; 0x3))")
__msg("36: (1e) if w1 == w2 goto pc+0")
__msg("47: (05) goto pc+0")
__msg("48: (06) gotol pc+0")
__msg("55: (85) call pc+2")
__msg("R9 !read_ok")
__naked void jumps(void)
{
	asm volatile(
	"call %[bpf_get_prandom_u32]; r1 = r0; r2 = r0;"
	"if r1 == 1 goto +0; if r1 > 2 goto +0; if r1 >= 3 goto +0; if r1 & 4 goto +0; if r1 != 5 goto +0;"
	"if r1 s> 6 goto +0; if r1 s>= -7 goto +0; if r1 < 8 goto +0; if r1 <= 9 goto +0; if r1 s< 10 goto +0; if r1 s<= 11 goto +0;"
	"if r1 == r2 goto +0; if r1 > r2 goto +0; if r1 >= r2 goto +0; if r1 & r2 goto +0; if r1 != r2 goto +0;"
	"if r1 s> r2 goto +0; if r1 s>= r2 goto +0; if r1 < r2 goto +0; if r1 <= r2 goto +0; if r1 s< r2 goto +0; if r1 s<= r2 goto +0;"
	"if w1 == 1 goto +0; if w1 > 2 goto +0; if w1 >= 3 goto +0; if w1 & 4 goto +0; if w1 != 5 goto +0;"
	"if w1 s> 6 goto +0; if w1 s>= -7 goto +0; if w1 < 8 goto +0; if w1 <= 9 goto +0; if w1 s< 10 goto +0; if w1 s<= 11 goto +0;"
	"if w1 == w2 goto +0; if w1 > w2 goto +0; if w1 >= w2 goto +0; if w1 & w2 goto +0; if w1 != w2 goto +0;"
	"if w1 s> w2 goto +0; if w1 s>= w2 goto +0; if w1 < w2 goto +0; if w1 <= w2 goto +0; if w1 s< w2 goto +0; if w1 s<= w2 goto +0;"
	"goto +0; gotol +0;"
	"r1 = %[array] ll; r1 = %[gvar] ll; r1 = 0 ll;"
	"call sub1;"
	"r0 = r9; exit;"
	:: __imm(bpf_get_prandom_u32), __imm_addr(array), __imm_addr(gvar) : __clobber_all);
}

SEC("socket") __failure __log_level(1)
__msg("0: (bf) r6 = r1                       ; R1=ctx() R6=ctx()")
__msg("1: (30) r0 = *(u8 *)skb[1]")
__msg("7: (40) r0 = *(u32 *)skb[r7 + 0]")
__msg("R9 !read_ok")
__naked void legacy(void)
{
	asm volatile("r6 = r1; r0 = *(u8 *)skb[1]; r0 = *(u16 *)skb[2]; r0 = *(u32 *)skb[3];"
	"r7 = 0; r0 = *(u8 *)skb[r7]; r0 = *(u16 *)skb[r7]; r0 = *(u32 *)skb[r7];"
	"r0 = r9; exit;" ::: __clobber_all);
}
