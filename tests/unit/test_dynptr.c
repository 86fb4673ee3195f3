/* Packet dynptrs in unverified runs (the checked interpreter): forged ones reach nothing
 * outside the run's packet. */
#include <errno.h>
#include <stdint.h>

#include "test_progs.h"
#include "testlib.h"

TEST(dynptr_pkt_hostile)
{
	struct test_loaded l;

	if (!TEST_LOAD(&l, "../progs_host/runtime_dynptr_hostile", NULL))
		goto out;
	FAILS(&l, "forge_ctx", -EINVAL, "packet dynptr over something other than the run's context");
	RUN(&l, "forge_offset", (uint32_t)-EFAULT);
	RUN(&l, "forge_size", (uint32_t)-EFAULT);
	RUN(&l, "forge_slice", (uint32_t)-EFAULT);
	RUN(&l, "forge_rdonly", (uint32_t)-EINVAL);
	FAILS(&l, "skb_in_xdp", -EINVAL,
	      "bpf_dynptr_from_skb: argument 0 is not the context of a program type it serves");
	FAILS(&l, "forge_local", -EFAULT, "dynptr memory: 1 bytes at 0x1000");
out:
	test_unload(&l);
}
