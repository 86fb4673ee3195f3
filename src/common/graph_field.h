/* Graph roots in a map value: a struct bpf_list_head or struct bpf_rb_root whose BTF carries
 * Linux's `contains:<struct>:<node member>` decl tag. The runtime finds them in the value's
 * BTF (runtime/graph_btf.c); the verifier checks the list and rbtree kfuncs against them, the
 * maps free what the collections hold. Shared by both, so it lives here. */
#ifndef EXBPF_COMMON_GRAPH_FIELD_H
#define EXBPF_COMMON_GRAPH_FIELD_H

#include <stdint.h>

enum graph_kind {
	GRAPH_LIST = 1, /* bpf_list_head of bpf_list_node */
	GRAPH_RBTREE,	/* bpf_rb_root of bpf_rb_node */
};

#define GRAPH_MAX_FIELDS 8 /* per map value; more is refused at load */

struct graph_field {
	uint32_t off;	      /* of the root in the value */
	uint32_t kind;	      /* enum graph_kind */
	uint32_t obj_type_id; /* the contained struct, in the program's BTF */
	uint32_t obj_size;
	uint32_t node_off; /* of its bpf_list_node / bpf_rb_node */
	const char *obj_name, *node_name;
};

/* A referenced kptr field of a map value: `struct T __kptr *` (BTF type tag "kptr") holding
 * a bpf_obj_new object of the program's struct T, exchanged with bpf_kptr_xchg. */
struct kptr_field {
	uint32_t off;
	uint32_t type_id; /* T, in the program's BTF */
	uint32_t size;	  /* of T */
	const char *name; /* T's */
};

#define KPTR_MAX_FIELDS 8

#endif
