/* Open-coded iterators (Linux's bpf_iter_<type>_new/next/destroy kfuncs): the iterator's
 * stack slots, its states and the next() call's two outcomes. */
#include "verifier/vpriv.h"

bool iter_next_active(const struct venv *e, const struct vstate *st)
{
	(void)e, (void)st;
	return false;
}
