/* The bpf_conformance .data file format: sections `-- asm`, `-- raw`, `-- mem`, `-- result`,
 * `-- error` (others ignored), `#` comments. */
#ifndef EXBPF_TOOLS_CONFORMANCE_DATA_H
#define EXBPF_TOOLS_CONFORMANCE_DATA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct bpf_insn;

struct conformance_data {
	char *asm_text;	  /* the -- asm section, NULL if absent */
	uint64_t *raw;	  /* -- raw words (imm:32 off:16 src:4 dst:4 op:8), NULL if absent */
	size_t nraw;
	uint8_t *mem;	  /* -- mem bytes, NULL if absent */
	size_t mem_len;
	uint64_t result;  /* -- result */
	bool has_result;
	char *error;	  /* -- error text, NULL if absent */
	bool has_error;
};

/* Returns 0, or -EINVAL with the reason in err. */
int conformance_data_parse(const char *text, struct conformance_data *out, char *err,
			   size_t errlen);
void conformance_data_free(struct conformance_data *d);

/* The program: the raw words when present, else the assembled -- asm section. *out is
 * malloc'ed. Returns 0 or a negative errno with the reason in log. */
int conformance_data_program(const struct conformance_data *d, struct bpf_insn **out,
			     size_t *out_cnt, char *log, size_t log_size);

#endif
