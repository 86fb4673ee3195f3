/* Library-internal BTF calls, for the loader: parsing into the loader's own log, and kind names
 * for its messages. Embedders use <exbpf/btf.h> only. */
#ifndef EXBPF_BTF_PRIV_H
#define EXBPF_BTF_PRIV_H

#include <stddef.h>
#include <stdint.h>

#include <exbpf/btf.h>

#include "common/log.h"

/* exbpf_btf__parse(), with its message appended to `log` (which may be NULL). */
int btf_parse(const void *data, size_t size, struct exbpf_btf **out, struct log *log);

/* "INT", "STRUCT", ... for kinds 1..19; "UNKNOWN" otherwise. */
const char *btf_kind_name(uint32_t kind);

#endif
