/* The loader's private model of an opened object. object.c builds it (sections, functions,
 * relocations), maps.c adds the maps, link.c turns it into one linked program per main
 * function, excb.c finds exception callbacks. Nothing outside src/loader/ sees these types:
 * later stages use include/exbpf/object.h. */
#ifndef EXBPF_LOADER_LOADER_H
#define EXBPF_LOADER_LOADER_H

#include <linux/bpf.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <exbpf/btf.h>
#include <exbpf/object.h>

#include "common/log.h"
#include "loader/btf_ext.h"
#include "loader/elf.h"

#define LD_INSN_SZ 8

enum relo_kind {
	RELO_CALL,	  /* call of a .text function */
	RELO_SUBPROG_ADDR, /* lddw of a .text function (callback reference) */
	RELO_MAP,	  /* lddw of a map in .maps */
	RELO_DATA,	  /* lddw of an address inside a global-data section */
	RELO_EXTERN_CALL, /* call of a __ksym function */
};

struct ld_relo {
	uint32_t insn; /* instruction index within the section */
	uint8_t kind;
	uint32_t target;  /* map index or extern index */
	uint64_t sym_off; /* symbol value: byte offset in the symbol's section */
};

/* One executable section. */
struct ld_code {
	uint32_t sec;
	struct bpf_insn *insns; /* private copy; CO-RE relocations are applied to it */
	size_t cnt;
	struct ld_relo *relos; /* sorted by insn */
	size_t nrelos;
};

/* One function symbol in an executable section. */
struct ld_func {
	const char *name;
	uint32_t code; /* index in obj->codes */
	size_t off;    /* first instruction within the section */
	size_t cnt;
	bool main;   /* outside .text: a program of its own */
	bool global; /* STB_GLOBAL or STB_WEAK */
	bool hidden; /* STV_HIDDEN / STV_INTERNAL: libbpf treats it as static */
	uint32_t btf_id;
	int64_t linked_off; /* scratch while linking one program: position, or -1 */
};

struct ld_line {
	uint32_t insn; /* linked instruction */
	uint32_t line, col;
	const char *file, *text;
};

/* An instruction a CO-RE relocation could not resolve. */
struct ld_poison {
	uint32_t code; /* index in obj->codes */
	uint32_t insn; /* within the section */
	char *msg;     /* names the type, the field and why: "struct task_struct.pid: ..." */
};

struct ld_extern {
	const char *name;
	uint32_t sym;
	uint32_t btf_id; /* FUNC type in the object's BTF, or 0 */
	uint32_t proto_id;
	bool weak, is_func;
};

struct exbpf_prog {
	struct exbpf_object *obj;
	size_t index;
	uint32_t func; /* main function, index in obj->funcs */
	const char *sec_name;
	uint32_t type, attach_type;
	bool autoload;
	struct bpf_insn *insns;
	size_t cnt;
	int link_err;
	char *link_msg;
	struct exbpf_func_info *funcs;
	size_t nfuncs;
	struct ld_line *lines;
	size_t nlines;
	const char *exc_cb;
	int64_t exc_cb_insn;
	const char **annots;
	size_t nannots;
	struct ld_line *poisons; /* .insn linked, .text the reason; sorted by insn */
	size_t npoisons;
};

struct exbpf_map_spec {
	struct exbpf_object *obj;
	size_t index;
	struct exbpf_map_def def;
	uint32_t sec;	    /* .maps or the data section */
	uint64_t sec_off;   /* offset of the map variable in .maps */
	uint64_t sec_size;  /* its size there, initialised `values` included */
	uint32_t btf_var;   /* VAR of a .maps map, 0 for global data */
	uint64_t values_off; /* byte offset of `values` in a prog array definition */
	void *init;	    /* owned initial value */
};

struct exbpf_object {
	char name[64];
	const struct exbpf_sec_type *sec_types; /* the caller's, during open only */
	size_t nsec_types;
	struct elf_file elf;
	struct exbpf_btf *btf; /* NULL without .BTF */
	struct btf_ext *btf_ext;
	uint32_t text_sec, maps_sec, ksyms_sec;
	struct ld_code *codes;
	size_t ncodes;
	struct ld_func *funcs;
	size_t nfuncs;
	struct exbpf_prog *progs;
	size_t nprogs;
	struct exbpf_map_spec *maps;
	size_t nmaps;
	struct ld_extern *externs;
	size_t nexterns;
	struct ld_poison *poisons;
	size_t npoisons;
};

/* ext_query.c: what linking needs of BTF.ext, by ELF section name. ext may be NULL. */
uint32_t btf_ext_func_type(const struct btf_ext *ext, const char *sec, uint64_t byte_off);
/* Line records of a section: *cnt records of *rec_size bytes each, sorted as in the file. */
void btf_ext_lines(const struct btf_ext *ext, const char *sec, const uint8_t **recs,
		   size_t *cnt, size_t *rec_size);

/* CO-RE records of a section, the same way: struct bpf_core_relo records. */
void btf_ext_core_relos(const struct btf_ext *ext, const char *sec, const uint8_t **recs,
			size_t *cnt, size_t *rec_size);

/* core.c: applies the object's CO-RE relocations to the private copies of its code sections
 * (obj->codes[i].insns), before linking, as libbpf does. A relocation that cannot be resolved
 * poisons its instruction (libbpf's convention: `call 0xbad2310`) and records why in
 * obj->poisons, so that the verifier reports it only if the instruction is reachable. */
int ld_core_relocate(struct exbpf_object *obj, struct log *log);

/* btf_fixup.c: DATASEC sizes and variable offsets from the ELF symbols (libbpf's fix-up). */
int ld_fixup_btf(struct exbpf_object *obj, struct log *log);

/* maps.c */
int ld_collect_maps(struct exbpf_object *obj, struct log *log);
int ld_fill_prog_arrays(struct exbpf_object *obj, struct log *log);
/* The map for data section `sec`, or -1. */
int ld_data_map(const struct exbpf_object *obj, uint32_t sec);

/* relo.c */
int ld_collect_relos(struct exbpf_object *obj, struct log *log);

/* link.c: builds prog->insns, funcs and lines; records failures in prog->link_err/msg. */
int ld_link_prog(struct exbpf_object *obj, struct exbpf_prog *prog);

/* excb.c: the exception callback prog names (libbpf's rules), as a function index, or -1
 * when it has none; negative errno with a message in *msg (malloc'd) on a libbpf error. */
int ld_find_exception_cb(struct exbpf_object *obj, struct exbpf_prog *prog, int64_t *func,
			 char **msg);

/* api.c: the program's comment:* decl tags. */
int ld_prog_annotations(struct exbpf_prog *prog);

/* Index of the function starting at instruction `insn` of code section `code`, or -1. */
int64_t ld_func_at(const struct exbpf_object *obj, uint32_t code, size_t insn);

#endif
