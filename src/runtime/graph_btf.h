/* The graph roots of a map value, from its BTF (graph_btf.c). */
#ifndef EXBPF_RUNTIME_GRAPH_BTF_H
#define EXBPF_RUNTIME_GRAPH_BTF_H

#include <stddef.h>

#include <exbpf/btf.h>

#include "common/graph_field.h"

/* Fills out[GRAPH_MAX_FIELDS] with the roots of the value of BTF type value_id (a struct, or
 * a global-data DATASEC), in offset order. Returns how many, or a negative errno with the
 * reason in why. */
int rt_graph_fields(const struct exbpf_btf *btf, uint32_t value_id, struct graph_field *out,
		    char *why, size_t why_size);

/* Fills out[KPTR_MAX_FIELDS] with the referenced kptr fields (`struct T __kptr *`) of the
 * value of BTF type value_id; returns how many there are (more than KPTR_MAX_FIELDS are
 * counted but not kept). */
int rt_kptr_fields(const struct exbpf_btf *btf, uint32_t value_id, struct kptr_field *out);

#endif
