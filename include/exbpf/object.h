/* BPF objects: the ELF files that `clang -target bpf` produces, opened with libbpf's
 * conventions. Opening parses the ELF, BTF and BTF.ext, finds programs and maps, and links
 * each main program with every subprogram it reaches and its exception callback. Everything
 * returned by these calls is owned by the object and valid until exbpf_object__close(). */
#ifndef EXBPF_OBJECT_H
#define EXBPF_OBJECT_H

#include <stdbool.h>

#include <exbpf/btf.h>
#include <exbpf/common.h>
#include <exbpf/isa.h>

#ifdef __cplusplus
extern "C" {
#endif

struct exbpf_object;
struct exbpf_prog;
struct exbpf_map_spec;

/* An embedder's own section name and the program type it gives (see
 * exbpf_env__register_prog_type): "name" matches SEC("name") and SEC("name/anything"). */
struct exbpf_sec_type {
	const char *sec;
	uint32_t prog_type;
};

struct exbpf_open_opts {
	size_t sz;
	char *log_buf; /* why opening failed, one line per problem */
	size_t log_size;
	const char *object_name; /* for open_mem; default "mem" */
	/* Section names beyond libbpf's, looked up first. */
	const struct exbpf_sec_type *sec_types;
	size_t nsec_types;
};

/* NULL with errno set (EINVAL malformed, ENOENT missing symbol or callback, ENOMEM, ...);
 * opts may be NULL. */
EXBPF_API struct exbpf_object *exbpf_object__open_file(const char *path,
							const struct exbpf_open_opts *opts);
EXBPF_API struct exbpf_object *exbpf_object__open_mem(const void *buf, size_t size,
						       const struct exbpf_open_opts *opts);
EXBPF_API void exbpf_object__close(struct exbpf_object *obj);
EXBPF_API const char *exbpf_object__name(const struct exbpf_object *obj);
/* The object's BTF, or NULL when it has none. */
EXBPF_API const struct exbpf_btf *exbpf_object__btf(const struct exbpf_object *obj);

/* Programs in ELF order (section, then offset), `SEC("?...")` programs included. */
EXBPF_API struct exbpf_prog *exbpf_object__next_program(const struct exbpf_object *obj,
							 const struct exbpf_prog *prev);
EXBPF_API struct exbpf_prog *exbpf_object__find_program_by_name(const struct exbpf_object *obj,
								 const char *name);
#define exbpf_object__for_each_program(pos, obj)                                                \
	for ((pos) = exbpf_object__next_program((obj), NULL); (pos);                            \
	     (pos) = exbpf_object__next_program((obj), (pos)))

EXBPF_API const char *exbpf_prog__name(const struct exbpf_prog *prog);
/* Position among the object's programs (the order of next_program). */
EXBPF_API size_t exbpf_prog__index(const struct exbpf_prog *prog);
EXBPF_API const struct exbpf_object *exbpf_prog__object(const struct exbpf_prog *prog);
EXBPF_API const char *exbpf_prog__section_name(const struct exbpf_prog *prog);
/* enum bpf_prog_type, or EXBPF_PROG_TYPE_RAW. */
EXBPF_API uint32_t exbpf_prog__type(const struct exbpf_prog *prog);
EXBPF_API uint32_t exbpf_prog__expected_attach_type(const struct exbpf_prog *prog);
/* false for `SEC("?...")` programs, which load only when asked for by name. */
EXBPF_API bool exbpf_prog__autoload(const struct exbpf_prog *prog);

/* The linked program: the main function, the subprograms it reaches (calls and callback
 * references), then its exception callback and that callback's callees. Map references are
 * lddw with src BPF_PSEUDO_MAP_IDX (imm = map index) or BPF_PSEUDO_MAP_IDX_VALUE (imm = map
 * index, second imm = offset); kfunc calls carry imm = the object's extern index.
 * Returns 0, or the negative errno of a link failure (exbpf_prog__link_error() says why:
 * a missing exception callback, a call to an unknown symbol, ...). */
EXBPF_API int exbpf_prog__insns(const struct exbpf_prog *prog, const struct bpf_insn **out_insns,
				size_t *out_cnt);
EXBPF_API const char *exbpf_prog__link_error(const struct exbpf_prog *prog);

/* Name of the exception callback the program declares (decl tag exception_callback:NAME),
 * or NULL. Its code starts at instruction exbpf_prog__exception_cb_insn(). */
EXBPF_API const char *exbpf_prog__exception_cb(const struct exbpf_prog *prog);
EXBPF_API int64_t exbpf_prog__exception_cb_insn(const struct exbpf_prog *prog);

/* A function of the linked program. */
struct exbpf_func_info {
	const char *name;
	size_t insn_off; /* first instruction in the linked program */
	size_t insn_cnt;
	uint32_t btf_id;   /* BTF FUNC type id, 0 without BTF */
	bool global;	   /* BTF linkage global (verified once against its signature) */
	bool exception_cb; /* the program's exception callback */
};
EXBPF_API size_t exbpf_prog__func_count(const struct exbpf_prog *prog);
EXBPF_API int exbpf_prog__func(const struct exbpf_prog *prog, size_t i,
			       struct exbpf_func_info *out);

/* Source position of linked instruction insn_idx, from BTF.ext line info: the closest entry
 * at or before it within the same function. -ENOENT when the object has no line info there. */
struct exbpf_line_info {
	const char *file;
	uint32_t line;
	uint32_t col;
	const char *text; /* the source line as recorded in BTF, without the newline; may be "" */
};
EXBPF_API int exbpf_prog__line(const struct exbpf_prog *prog, size_t insn_idx,
			       struct exbpf_line_info *out);

/* Why instruction insn_idx was poisoned (a CO-RE relocation exbpf could not resolve: libbpf's
 * `call 0xbad2310`), naming the type and field; NULL for a normal instruction. Such an
 * instruction is an error only if a run can reach it. */
EXBPF_API const char *exbpf_prog__insn_poison(const struct exbpf_prog *prog, size_t insn_idx);

/* Decl tags on the program's function whose value begins with "comment:" (kernel-selftest
 * annotations, `comment:test_expect_success`, ...), returned without the prefix, in BTF order. */
EXBPF_API size_t exbpf_prog__annotation_count(const struct exbpf_prog *prog);
EXBPF_API const char *exbpf_prog__annotation(const struct exbpf_prog *prog, size_t i);

/* Maps in libbpf's order: BTF-defined maps in .maps (in declaration order), then one
 * single-entry array per global-data section (.data, .rodata, .bss, .data.*, .rodata.*,
 * .bss.*) in section order, named after the section. */
EXBPF_API struct exbpf_map_spec *exbpf_object__next_map(const struct exbpf_object *obj,
						    const struct exbpf_map_spec *prev);
EXBPF_API struct exbpf_map_spec *exbpf_object__find_map_by_name(const struct exbpf_object *obj,
							    const char *name);
#define exbpf_object__for_each_map(pos, obj)                                                    \
	for ((pos) = exbpf_object__next_map((obj), NULL); (pos);                                \
	     (pos) = exbpf_object__next_map((obj), (pos)))

struct exbpf_map_def {
	const char *name; /* ".rodata" etc. for global data */
	uint32_t type;	  /* enum bpf_map_type */
	uint32_t key_size;
	uint32_t value_size;
	uint32_t max_entries;
	uint32_t map_flags; /* BPF_F_RDONLY_PROG for .rodata */
	uint32_t btf_key_type_id;
	uint32_t btf_value_type_id;
	/* Global data: the section's bytes (NULL for .bss and .bss.*, which start zeroed). Prog arrays filled with
	 * `.values = {...}`: uint32_t program indices (exbpf_prog__index), UINT32_MAX for an
	 * empty slot, covering the first initial_size / 4 slots. Else NULL. */
	const void *initial_value;
	size_t initial_size;
	bool global_data;
};
EXBPF_API const struct exbpf_map_def *exbpf_map_spec__def(const struct exbpf_map_spec *map);
EXBPF_API size_t exbpf_map_spec__index(const struct exbpf_map_spec *map);

/* Externs the programs use: kfuncs (`__ksym` functions in .ksyms), with their BTF prototype
 * id, resolved by the runtime at load; a __weak one may resolve to "absent". */
struct exbpf_extern_info {
	const char *name;
	uint32_t btf_func_proto_id;
	bool weak;
	bool is_func; /* false for __ksym variables */
};
EXBPF_API size_t exbpf_object__extern_count(const struct exbpf_object *obj);
EXBPF_API int exbpf_object__extern(const struct exbpf_object *obj, size_t i,
				   struct exbpf_extern_info *out);

#ifdef __cplusplus
}
#endif

#endif
