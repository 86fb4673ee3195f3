/* The instruction graph's successors and its loops (strongly connected components), numbered
 * the way Linux numbers them in its level-2 log, so that exbpf's log shows the same numbers. */
#include <errno.h>
#include <stdlib.h>

#include "verifier/cfg.h"

int cfg_successors(const struct bpf_insn *insns, size_t cnt, size_t idx, size_t succ[2])
{
	const struct bpf_insn *in = &insns[idx];
	uint8_t cls = BPF_CLASS(in->code), op = BPF_OP(in->code);
	bool jmp = cls == BPF_JMP || cls == BPF_JMP32;
	bool falls = !jmp || (op != BPF_EXIT && op != BPF_JA);
	bool jumps = jmp && op != BPF_CALL && op != BPF_EXIT;
	size_t size = in->code == (BPF_LD | BPF_IMM | BPF_DW) ? 2 : 1;
	int n = 0;

	if (falls && idx + size < cnt)
		succ[n++] = idx + size;
	if (jumps) {
		int64_t t = (int64_t)idx + 1 + (cls == BPF_JMP32 && op == BPF_JA ? in->imm : in->off);

		if (t >= 0 && (size_t)t < cnt && (n == 0 || succ[0] != (size_t)t))
			succ[n++] = (size_t)t;
	}
	return n;
}

/* Tarjan's algorithm without recursion: `path` holds the instructions whose component is not
 * complete yet, `dfs` emulates the call stack. Like Linux, an instruction takes the lowest
 * `low` of every visited successor (not only of tree edges): the components are the same
 * and the walk needs no second pass over the edges. */
int cfg_scc(const struct bpf_insn *insns, size_t cnt, uint32_t *scc)
{
	const uint32_t done = UINT32_MAX; /* low[] of an instruction whose component is complete */
	uint32_t *pre = calloc(cnt ? cnt : 1, sizeof(*pre));
	uint32_t *low = calloc(cnt ? cnt : 1, sizeof(*low));
	size_t *path = calloc(cnt ? cnt : 1, sizeof(*path));
	size_t *dfs = calloc(cnt ? cnt : 1, sizeof(*dfs));
	uint32_t next_pre = 1, next_scc = 1;

	if (!pre || !low || !path || !dfs) {
		free(pre), free(low), free(path), free(dfs);
		return -ENOMEM;
	}
	for (size_t i = 0; i < cnt; i++)
		scc[i] = 0;
	for (size_t root = 0; root < cnt; root++) {
		size_t npath = 0, ndfs = 0;

		if (pre[root])
			continue;
		dfs[ndfs++] = root;
		while (ndfs) {
			size_t w = dfs[ndfs - 1], succ[2];
			int nsucc = cfg_successors(insns, cnt, w, succ);
			bool descended = false;

			if (!pre[w]) {
				pre[w] = low[w] = next_pre++;
				path[npath++] = w;
			}
			for (int j = 0; j < nsucc && !descended; j++) {
				if (!pre[succ[j]]) {
					dfs[ndfs++] = succ[j];
					descended = true;
				} else if (low[succ[j]] < low[w]) {
					low[w] = low[succ[j]];
				}
			}
			if (descended)
				continue;
			ndfs--;
			if (low[w] < pre[w])
				continue; /* on a loop through an instruction still on the path */
			bool loop = path[npath - 1] != w;

			for (int j = 0; j < nsucc; j++)
				loop |= succ[j] == w;
			size_t t;
			do {
				t = path[--npath];
				low[t] = done;
				if (loop)
					scc[t] = next_scc;
			} while (t != w);
			if (loop)
				next_scc++;
		}
	}
	free(pre), free(low), free(path), free(dfs);
	return 0;
}
