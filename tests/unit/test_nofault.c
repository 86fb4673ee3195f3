/* Reads of untyped memory in unverified runs (the checked interpreter): a forged bits
 * iterator reaches only what the run holds; the bits iterator and the probe reads read only
 * the run's memory. */
#include <errno.h>
#include <stdint.h>

#include "test_progs.h"
#include "testlib.h"

TEST(nofault_hostile)
{
	struct test_loaded l;

	if (!TEST_LOAD(&l, "../progs_host/runtime_nofault_hostile", NULL))
		goto out;
	FAILS(&l, "forge_words", -EFAULT, "the iterator's words are not a copy this run holds");
	FAILS(&l, "forge_destroy", -EFAULT, "bpf_iter_bits_destroy: 0x");
	RUN(&l, "forge_nr_bits", 3);
	RUN(&l, "outside_run", (uint32_t)-EFAULT);
	RUN(&l, "probe_outside_run", (uint32_t)-EFAULT);
	RUN(&l, "probe_own_stack", 42);
	RUN(&l, "probe_str_in_value", 4);
out:
	test_unload(&l);
}
