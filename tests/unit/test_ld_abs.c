/* Legacy packet loads (LD_ABS / LD_IND) in both loops: big-endian values from vm_exec.pkt,
 * Linux's SKF_NET_OFF / SKF_LL_OFF offsets, and the hidden `return 0` when out of range. */
#include <errno.h>
#include <linux/bpf.h>
#include <linux/filter.h>

#include "common/log.h"
#include "test_interp.h"
#include "testlib.h"

#define LD_ABS(sz, imm) INSN(BPF_LD | BPF_ABS | (sz), 0, 0, 0, imm)
#define LD_IND(sz, s, imm) INSN(BPF_LD | BPF_IND | (sz), 0, s, 0, imm)

/* A 64-byte skb-like buffer: 14 bytes of Ethernet header, then the network header. */
static uint8_t frame[64];

struct pkt_view {
	const uint8_t *pkt, *end, *mac;
};

static int run_pkt(int checked, const struct pkt_view *v, const struct bpf_insn *insns,
		   size_t cnt, uint64_t *r0)
{
	struct vm_prog *prog;
	char buf[256] = "";
	struct log log;
	int err;

	log_init(&log, buf, sizeof(buf));
	err = vm_prog_new(insns, cnt, NULL, &log, &prog);
	if (err) {
		test_fail(__FILE__, __LINE__, "load: %d %s", err, buf);
		return err;
	}
	struct vm_exec x = {.checked = checked, .budget = 1000, .log = &log,
			    .pkt = v->pkt, .pkt_end = v->end, .pkt_mac = v->mac};
	err = vm_exec(prog, &x);
	*r0 = x.r0;
	vm_prog_free(prog);
	if (err)
		test_fail(__FILE__, __LINE__, "run: %d %s", err, buf);
	return err;
}

/* Runs in both loops and checks they agree; returns r0. */
static uint64_t both(int line, const struct pkt_view *v, const struct bpf_insn *insns, size_t cnt)
{
	uint64_t r[2] = {0xbad, 0xbad};

	for (int c = 0; c < 2; c++)
		run_pkt(c, v, insns, cnt, &r[c]);
	if (r[0] != r[1])
		test_fail(__FILE__, line, "fast 0x%" PRIx64 " != checked 0x%" PRIx64, r[0], r[1]);
	return r[1];
}

#define PKT_RUN(v, ...) both(__LINE__, v, PROG(__VA_ARGS__))

static void fill(void)
{
	for (size_t i = 0; i < sizeof(frame); i++)
		frame[i] = (uint8_t)(i + 1);
}

TEST(ld_abs_values)
{
	/* a socket filter's view: the data starts at the network header */
	struct pkt_view sk = {frame + 14, frame + 64, frame};

	fill();
	CHECK_EQ(PKT_RUN(&sk, LD_ABS(BPF_B, 0), EXIT()), 15);
	CHECK_EQ(PKT_RUN(&sk, LD_ABS(BPF_H, 1), EXIT()), 0x1011);
	CHECK_EQ(PKT_RUN(&sk, LD_ABS(BPF_W, 2), EXIT()), 0x11121314);
	/* the last bytes of the packet, and the zero-extension of a high bit */
	frame[60] = 0x80;
	CHECK_EQ(PKT_RUN(&sk, LD_ABS(BPF_W, 46), EXIT()), 0x803e3f40);
	CHECK_EQ(PKT_RUN(&sk, MOV64_K(2, 40), LD_IND(BPF_W, 2, 6), EXIT()), 0x803e3f40);
	/* src + imm is an int: 0xffffffff + 2 = 1 */
	CHECK_EQ(PKT_RUN(&sk, MOV64_K(3, -1), LD_IND(BPF_B, 3, 2), EXIT()), 16);
	/* SKF_LL_OFF: from the Ethernet header; SKF_NET_OFF: from the network header */
	CHECK_EQ(PKT_RUN(&sk, LD_ABS(BPF_H, SKF_LL_OFF + 12), EXIT()), 0x0d0e);
	CHECK_EQ(PKT_RUN(&sk, LD_ABS(BPF_B, SKF_NET_OFF + 0), EXIT()), 15);
	CHECK_EQ(PKT_RUN(&sk, MOV64_K(4, SKF_LL_OFF), LD_IND(BPF_B, 4, 0), EXIT()), 1);
	/* tc's view: the data is the Ethernet header, the network header follows it */
	struct pkt_view tc = {frame, frame + 64, frame};
	CHECK_EQ(PKT_RUN(&tc, LD_ABS(BPF_H, 12), EXIT()), 0x0d0e);
	CHECK_EQ(PKT_RUN(&tc, LD_ABS(BPF_B, SKF_NET_OFF), EXIT()), 15);
	CHECK_EQ(PKT_RUN(&tc, LD_ABS(BPF_B, SKF_LL_OFF + 1), EXIT()), 2);
}

TEST(ld_abs_out_of_range_returns_zero)
{
	struct pkt_view sk = {frame + 14, frame + 64, frame};
	struct pkt_view none = {NULL, NULL, NULL};

	fill();
	/* 50 bytes: a word at 47 runs past the end; the program returns 0 at once */
	CHECK_EQ(PKT_RUN(&sk, MOV64_K(0, 7), LD_ABS(BPF_W, 47), MOV64_K(0, 9), EXIT()), 0);
	CHECK_EQ(PKT_RUN(&sk, LD_ABS(BPF_B, 50), MOV64_K(0, 9), EXIT()), 0);
	CHECK_EQ(PKT_RUN(&sk, LD_ABS(BPF_B, 49), EXIT()), 64);
	/* below SKF_LL_OFF, and a negative offset of LD_IND */
	CHECK_EQ(PKT_RUN(&sk, LD_ABS(BPF_B, SKF_LL_OFF - 1), MOV64_K(0, 9), EXIT()), 0);
	CHECK_EQ(PKT_RUN(&sk, MOV64_K(2, -0x300000), LD_IND(BPF_B, 2, 0), MOV64_K(0, 9), EXIT()),
		 0);
	/* the network-header view ends at the packet's end too */
	CHECK_EQ(PKT_RUN(&sk, LD_ABS(BPF_H, SKF_NET_OFF + 49), MOV64_K(0, 9), EXIT()), 0);
	CHECK_EQ(PKT_RUN(&sk, LD_ABS(BPF_B, SKF_LL_OFF + 64), MOV64_K(0, 9), EXIT()), 0);
	/* no packet at all */
	CHECK_EQ(PKT_RUN(&none, LD_ABS(BPF_B, 0), MOV64_K(0, 9), EXIT()), 0);
	/* in a subprogram, the hidden exit returns 0 to the caller (Linux's bpf_gen_ld_abs) */
	CHECK_EQ(PKT_RUN(&sk, CALL_LOCAL(2), ALU64_K(BPF_ADD, 0, 5), EXIT(), MOV64_K(0, 7),
			 LD_ABS(BPF_B, 100), EXIT()),
		 5);
}

TEST(ld_abs_clobbers_r1_r5)
{
	struct pkt_view sk = {frame + 14, frame + 64, frame};

	fill();
	CHECK_EQ(PKT_RUN(&sk, MOV64_K(1, 1), MOV64_K(2, 2), MOV64_K(3, 3), MOV64_K(4, 4),
			 MOV64_K(5, 5), MOV64_K(6, 6), LD_IND(BPF_B, 5, 0), MOV64_X(0, 1),
			 ALU64_X(BPF_ADD, 0, 2), ALU64_X(BPF_ADD, 0, 3), ALU64_X(BPF_ADD, 0, 4),
			 ALU64_X(BPF_ADD, 0, 5), ALU64_X(BPF_ADD, 0, 6), EXIT()),
		 6);
}
