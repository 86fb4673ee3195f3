/* Helpers that move the packet, in unverified runs (the checked interpreter): the packet's
 * region follows it. */
#include <errno.h>
#include <linux/bpf.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <exbpf/exbpf.h>
#include <exbpf/linux.h>

#include "test_progs.h"
#include "testlib.h"

TEST(pkt_move_unverified)
{
	struct test_loaded l;

	if (!TEST_LOAD(&l, "../progs_host/runtime_pkt_move", NULL))
		goto out;
	RUN(&l, "read_grown_head", 7);
	FAILS(&l, "read_dropped_head", -EFAULT, "outside");
	FAILS(&l, "read_dropped_tail", -EFAULT, "outside");
	FAILS(&l, "forged_ctx", -EINVAL, "bpf_xdp_adjust_head: argument 0 is not the run's context");
out:
	test_unload(&l);
}

/* What a run gives back: an xdp program's metadata in front of its packet, as Linux does
 * (compared byte for byte with the kernel's BPF_PROG_TEST_RUN when it answers). */
TEST(pkt_move_data_out)
{
	char path[512], log[1024] = "", why[128];
	uint8_t in[64] = {0}, out[256] = {0}, kout[256] = {0};
	struct exbpf_object *obj;
	struct exbpf_env *env = exbpf_env__new(NULL);
	struct exbpf_instance *inst = NULL;
	struct exbpf_linux_prog *lp = NULL;
	EXBPF_OPTS(exbpf_load_opts, lo, .log_buf = log, .log_size = sizeof(log));
	EXBPF_OPTS(exbpf_run_opts, o, .data_in = in, .data_size_in = sizeof(in), .data_out = out,
		   .data_size_out = sizeof(out));

	snprintf(path, sizeof(path), "%s/runtime_xdp_adjust.bpf.o", test_progs_dir());
	obj = exbpf_object__open_file(path, NULL);
	CHECK(obj != NULL);
	if (!obj || exbpf_instance__load(env, obj, &lo, &inst)) {
		test_fail(__FILE__, __LINE__, "load: %s", log);
		goto out;
	}
	CHECK_EQ(exbpf_program__run(exbpf_instance__find_program(inst, "meta_moves_with_head"), &o), 0);
	CHECK_EQ(o.retval, 0x5a);
	CHECK_EQ(o.data_size_out, 8 + 4 + 64); /* metadata, the head grown by 4, the packet */
	CHECK_EQ(out[7], 0x5a);
	if (!exbpf_linux__available(why, sizeof(why))) {
		printf("SKIP unit:pkt_move_data_out (kernel part): %s\n", why);
		goto out;
	}
	EXBPF_OPTS(exbpf_linux_opts, ko, .log_buf = log, .log_size = sizeof(log));
	if (exbpf_linux__load(obj, "meta_moves_with_head", &ko, &lp)) {
		test_fail(__FILE__, __LINE__, "kernel load: %s", log);
		goto out;
	}
	union bpf_attr a = {0};

	a.test.prog_fd = (uint32_t)exbpf_linux__prog_fd(lp);
	a.test.data_in = (uintptr_t)in;
	a.test.data_size_in = sizeof(in);
	a.test.data_out = (uintptr_t)kout;
	a.test.data_size_out = sizeof(kout);
	CHECK_EQ(syscall(SYS_bpf, BPF_PROG_TEST_RUN, &a, sizeof(a)), 0);
	CHECK_EQ(a.test.data_size_out, o.data_size_out);
	CHECK(!memcmp(kout, out, o.data_size_out));
out:
	exbpf_linux__free(lp);
	exbpf_instance__free(inst);
	exbpf_env__free(env);
	exbpf_object__close(obj);
}
