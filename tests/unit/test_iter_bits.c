/* The bits iterator in unverified runs (the checked interpreter): forged states reach only
 * what the run holds. */
#include <errno.h>
#include <stdint.h>

#include "test_progs.h"
#include "testlib.h"

TEST(iter_bits_hostile)
{
	struct test_loaded l;

	if (!TEST_LOAD(&l, "../progs_host/runtime_iter_bits_hostile", NULL))
		goto out;
	FAILS(&l, "forge_words", -EFAULT, "the iterator's words are not a copy this run holds");
	FAILS(&l, "forge_destroy", -EFAULT, "bpf_iter_bits_destroy: 0x");
	RUN(&l, "forge_nr_bits", 3);
	RUN(&l, "outside_run", (uint32_t)-EFAULT);
out:
	test_unload(&l);
}
