/* Verification time, exbpf against the running Linux (clarifications §9): every program of
 * every object in the progs directories is verified by exbpf (exbpf_env__verify, log off,
 * best of 5 runs of verify_ns) and loaded into Linux (exbpf_linux__load at log level 4,
 * BPF_LOG_STATS: no text log, best of 3 of the "verification time N usec" Linux reports).
 * Prints one line per program with both verdicts and instruction counts, the times and the
 * ratio Linux/exbpf, then the geometric mean and median ratios, the verdict disagreements, and
 * the synthetic workloads of tests/progs/bench_verify_*.bpf.c (loop, packet parser, diamond
 * chains) again on their own. Figures are read, never asserted.
 *
 * usage: bench_verifier [DIR...]  (default build/progs; a single DIR ending in "progs" brings
 * its siblings DIR_fail and DIR_host along when they exist, as the build makes them). */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <exbpf/exbpf.h>

#include "bench_stats.h"
#include <exbpf/linux.h>
#include <exbpf/runtime.h>

#define EXBPF_RUNS 5
#define LINUX_RUNS 3
#define LOG_SIZE (1u << 20)
#define MAX_DIRS 16

enum verdict { V_NA = -1, V_REJ = 0, V_ACC = 1 };

struct row {
	char obj[64];
	char prog[64];
	enum verdict ex, lx;
	bool documented; /* the program states exbpf's own verdict (exbpf_expect_* tags) */
	enum verdict strict; /* exbpf with kernel_strict, for verdict disagreements only */
	uint64_t ex_insns, lx_insns;
	double ex_us, lx_us;
	char ex_why[256], lx_why[256];
};

static struct row *rows;
static size_t nrows, cap;
static char *logbuf;

static const char *verdict_str(enum verdict v)
{
	return v == V_ACC ? "acc" : v == V_REJ ? "rej" : "-";
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}


static bool is_dir(const char *path)
{
	struct stat st;

	return !stat(path, &st) && S_ISDIR(st.st_mode);
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

/* The first line of s into out. */
static void first_line(char *out, size_t size, const char *s)
{
	size_t n = strcspn(s, "\n");

	snprintf(out, size, "%.*s", (int)n, s);
}

static struct row *new_row(const char *obj, const char *prog)
{
	struct row *r;

	if (nrows == cap) {
		size_t ncap = cap ? cap * 2 : 256;
		struct row *n = realloc(rows, ncap * sizeof(*n));

		if (!n) {
			fprintf(stderr, "bench: out of memory\n");
			exit(1);
		}
		rows = n;
		cap = ncap;
	}
	r = &rows[nrows++];
	memset(r, 0, sizeof(*r));
	snprintf(r->obj, sizeof(r->obj), "%s", obj);
	snprintf(r->prog, sizeof(r->prog), "%s", prog);
	return r;
}

static bool has_exbpf_tags(const struct exbpf_prog *p)
{
	for (size_t i = 0; i < exbpf_prog__annotation_count(p); i++)
		if (!strncmp(exbpf_prog__annotation(p, i), "exbpf_expect_", 13))
			return true;
	return false;
}

/* exbpf: best of EXBPF_RUNS, log off. */
static void time_exbpf(struct row *r, const struct exbpf_object *obj, const char *name)
{
	EXBPF_OPTS(exbpf_verify_opts, o, .log_buf = logbuf, .log_size = LOG_SIZE);
	struct exbpf_verify_info info;
	struct exbpf_env *env = exbpf_env__new(NULL);
	uint64_t best = UINT64_MAX;

	r->ex = V_NA;
	if (!env) {
		snprintf(r->ex_why, sizeof(r->ex_why), "out of memory");
		return;
	}
	for (int i = 0; i < EXBPF_RUNS; i++) {
		int err;

		logbuf[0] = '\0';
		err = exbpf_env__verify(env, obj, name, &o, &info);
		if (err) {
			first_line(r->ex_why, sizeof(r->ex_why), logbuf[0] ? logbuf : strerror(-err));
			exbpf_env__free(env);
			return;
		}
		if (info.verify_ns < best)
			best = info.verify_ns;
	}
	exbpf_env__free(env);
	r->ex = info.accepted ? V_ACC : V_REJ;
	r->ex_insns = info.insns_processed;
	r->ex_us = (double)best / 1000.0;
	if (!info.accepted)
		snprintf(r->ex_why, sizeof(r->ex_why), "%s", info.error);
}

/* exbpf's verdict with kernel_strict (none of its extensions), untimed. */
static enum verdict strict_verdict(const struct exbpf_object *obj, const char *name)
{
	EXBPF_OPTS(exbpf_verify_opts, o, .log_buf = logbuf, .log_size = LOG_SIZE,
		   .kernel_strict = true);
	struct exbpf_verify_info info;
	struct exbpf_env *env = exbpf_env__new(NULL);
	int err = env ? exbpf_env__verify(env, obj, name, &o, &info) : -ENOMEM;

	exbpf_env__free(env);
	return err ? V_NA : info.accepted ? V_ACC : V_REJ;
}

/* Linux's stats lines, wherever they are in the log: 0 when both were found. */
static int parse_stats(const char *log, uint64_t *usec, uint64_t *insns)
{
	const char *t = strstr(log, "verification time ");
	const char *p = strstr(log, "\nprocessed ");
	unsigned long long a, b;

	if (!t || !p || sscanf(t, "verification time %llu usec", &a) != 1 ||
	    sscanf(p, "\nprocessed %llu insns", &b) != 1)
		return -1;
	*usec = a;
	*insns = b;
	return 0;
}

/* Linux: best of LINUX_RUNS at log level 4 (BPF_LOG_STATS). A rejection is still timed: Linux
 * prints its stats after a failed walk too. Types Linux cannot load are skipped. */
static void time_linux(struct row *r, const struct exbpf_object *obj, const struct exbpf_prog *p)
{
	const char *name = exbpf_prog__name(p);
	uint64_t best = UINT64_MAX;

	r->lx = V_NA;
	if (exbpf_prog__type(p) == EXBPF_PROG_TYPE_RAW) {
		snprintf(r->lx_why, sizeof(r->lx_why), "exbpf's raw type: no Linux equivalent");
		return;
	}
	for (int i = 0; i < LINUX_RUNS; i++) {
		/* license NULL: "GPL", which every test program declares */
		EXBPF_OPTS(exbpf_linux_opts, lo, .log_buf = logbuf, .log_size = LOG_SIZE,
			   .log_level = 4);
		struct exbpf_linux_prog *lp = NULL;
		uint64_t usec, insns;
		int err;

		logbuf[0] = '\0';
		err = exbpf_linux__load(obj, name, &lo, &lp);
		exbpf_linux__free(lp);
		if (err && err != -EACCES) {
			r->lx = V_NA;
			first_line(r->lx_why, sizeof(r->lx_why), logbuf[0] ? logbuf : strerror(-err));
			return;
		}
		if (parse_stats(logbuf, &usec, &insns)) {
			/* Refused before the verifier walked it (no stats): no verdict to time. */
			r->lx = V_NA;
			first_line(r->lx_why, sizeof(r->lx_why), logbuf[0] ? logbuf : strerror(-err));
			return;
		}
		r->lx = err ? V_REJ : V_ACC;
		r->lx_insns = insns;
		if (usec < best)
			best = usec;
		if (err) {
			const char *why = strstr(logbuf, "rejected by Linux: ");

			first_line(r->lx_why, sizeof(r->lx_why), why ? why + 19 : logbuf);
		}
	}
	r->lx_us = (double)best;
}

static void print_header(void)
{
	printf("%-52s %-5s %-5s %9s %9s %11s %10s %8s\n", "object:program", "exbpf", "linux",
	       "ex insns", "lx insns", "exbpf us", "linux us", "lx/ex");
}

static void print_row(const struct row *r)
{
	char name[160], ratio[32] = "-", exus[32] = "-", lxus[32] = "-", exi[32] = "-",
			lxi[32] = "-";

	snprintf(name, sizeof(name), "%s:%s", r->obj, r->prog);
	if (r->ex != V_NA) {
		snprintf(exus, sizeof(exus), "%.1f", r->ex_us);
		snprintf(exi, sizeof(exi), "%llu", (unsigned long long)r->ex_insns);
	}
	if (r->lx != V_NA) {
		snprintf(lxus, sizeof(lxus), "%.0f", r->lx_us);
		snprintf(lxi, sizeof(lxi), "%llu", (unsigned long long)r->lx_insns);
	}
	if (r->ex != V_NA && r->lx != V_NA && r->ex_us > 0 && r->lx_us > 0)
		snprintf(ratio, sizeof(ratio), "%.*f", r->lx_us / r->ex_us >= 0.1 ? 2 : 4,
			 r->lx_us / r->ex_us);
	printf("%-52.52s %-5s %-5s %9s %9s %11s %10s %8s%s\n", name, verdict_str(r->ex),
	       verdict_str(r->lx), exi, lxi, exus, lxus, ratio,
	       r->ex != V_NA && r->lx != V_NA && r->ex != r->lx ? "  !" : "");
}

static void bench_object(const char *dir, const char *file)
{
	char path[1024], objname[64];
	struct exbpf_object *obj;
	const struct exbpf_prog *p = NULL;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	snprintf(objname, sizeof(objname), "%.*s", (int)(strlen(file) - strlen(".bpf.o")), file);
	obj = exbpf_object__open_file(path, NULL);
	if (!obj) {
		printf("%-52s cannot open: %s\n", objname, strerror(errno));
		return;
	}
	while ((p = exbpf_object__next_program(obj, p))) {
		struct row *r = new_row(objname, exbpf_prog__name(p));

		r->documented = has_exbpf_tags(p);
		time_exbpf(r, obj, r->prog);
		time_linux(r, obj, p);
		r->strict = V_NA;
		if (r->ex != V_NA && r->lx != V_NA && r->ex != r->lx)
			r->strict = strict_verdict(obj, r->prog);
		print_row(r);
		fflush(stdout);
	}
	exbpf_object__close(obj);
}

static void bench_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, ncap = 0;

	if (!d) {
		fprintf(stderr, "bench: %s: %s (run `make progs` first)\n", dir, strerror(errno));
		exit(1);
	}
	while ((de = readdir(d))) {
		if (!ends_with(de->d_name, ".bpf.o"))
			continue;
		if (n == ncap) {
			char **nn = realloc(names, (ncap = ncap ? ncap * 2 : 64) * sizeof(*nn));

			if (!nn)
				exit(1);
			names = nn;
		}
		if (!(names[n++] = strdup(de->d_name)))
			exit(1);
	}
	closedir(d);
	qsort(names, n, sizeof(*names), cmp_str);
	printf("-- %s (%zu objects)\n", dir, n);
	for (size_t i = 0; i < n; i++) {
		bench_object(dir, names[i]);
		free(names[i]);
	}
	free(names);
}

/* Geometric mean and median of Linux/exbpf over the rows both verifiers walked, with Linux's
 * time at least min_lx_us and both instruction counts at least min_insns. Linux reports whole
 * microseconds, and on small programs its figure is mostly fixed costs (BTF and func_info
 * checks, rewrites, and the JIT of subprograms, all inside its "verification time"). */
static void summary(const char *label, double min_lx_us, uint64_t min_insns, bool either)
{
	double *r = malloc((nrows ? nrows : 1) * sizeof(*r)), logsum = 0, ex_sum = 0, lx_sum = 0;
	size_t n = 0, faster5 = 0;

	if (!r)
		exit(1);
	for (size_t i = 0; i < nrows; i++) {
		const struct row *w = &rows[i];

		if (w->ex == V_NA || w->lx == V_NA || w->ex_us <= 0 || w->lx_us < min_lx_us ||
		    w->lx_us <= 0 ||
		    (either ? w->ex_insns < min_insns && w->lx_insns < min_insns
			    : w->ex_insns < min_insns || w->lx_insns < min_insns))
			continue;
		r[n] = w->lx_us / w->ex_us;
		logsum += log(r[n]);
		faster5 += r[n] >= 5.0;
		ex_sum += w->ex_us;
		lx_sum += w->lx_us;
		n++;
	}
	qsort(r, n, sizeof(*r), bench_cmp_double);
	if (!n)
		printf("%s: no program timed by both\n", label);
	else
		printf("%s: %zu programs, geomean Linux/exbpf %.2f, median %.2f (min %.2g, max "
		       "%.3g), >= 5x: %zu; total exbpf %.0f us, Linux %.0f us\n",
		       label, n, exp(logsum / (double)n),
		       n % 2 ? r[n / 2] : (r[n / 2 - 1] + r[n / 2]) / 2, r[0], r[n - 1], faster5,
		       ex_sum, lx_sum);
	free(r);
}

static void disagreements(void)
{
	size_t n = 0;

	printf("\nverdict disagreements (doc: the program carries exbpf's own verdict tags; strict: "
	       "exbpf's verdict with kernel_strict):\n");
	for (size_t i = 0; i < nrows; i++) {
		const struct row *r = &rows[i];

		if (r->ex == V_NA || r->lx == V_NA || r->ex == r->lx)
			continue;
		n++;
		printf("  %s:%s exbpf %s, Linux %s, strict %s%s%s\n    %s%s\n", r->obj, r->prog,
		       verdict_str(r->ex), verdict_str(r->lx), verdict_str(r->strict),
		       r->strict == r->lx ? " (an extension)" : " (strict disagrees too)",
		       r->documented ? " (doc)" : "",
		       r->ex == V_REJ ? "exbpf: " : "Linux: ",
		       r->ex == V_REJ ? r->ex_why : r->lx_why);
	}
	printf("  %zu in all\n", n);
	n = 0;
	for (size_t i = 0; i < nrows; i++)
		n += rows[i].ex == V_NA || rows[i].lx == V_NA;
	printf("not timed by both (%zu):\n", n);
	for (size_t i = 0; i < nrows; i++) {
		const struct row *r = &rows[i];

		if (r->ex == V_NA)
			printf("  %s:%s exbpf: %s\n", r->obj, r->prog, r->ex_why);
		else if (r->lx == V_NA)
			printf("  %s:%s Linux: %s\n", r->obj, r->prog, r->lx_why);
	}
}

static const struct row *find_row(const char *prog)
{
	for (size_t i = 0; i < nrows; i++)
		if (!strncmp(rows[i].obj, "bench_verify_", 13) && !strcmp(rows[i].prog, prog))
			return &rows[i];
	return NULL;
}

/* The synthetic workloads again, and how the diamond chains grow with N. */
static void synthetic(void)
{
	static const char *const single[] = {"bench_verify_loop_1000", "bench_verify_parser"};
	static const char *const kinds[] = {"sum", "bits"};
	static const int ns[] = {8, 16, 32, 64};

	printf("\nsynthetic workloads (tests/progs/bench_verify_*.bpf.c):\n");
	print_header();
	for (size_t i = 0; i < sizeof(single) / sizeof(single[0]); i++) {
		const struct row *r = find_row(single[i]);

		if (r)
			print_row(r);
		else
			printf("%s: not built (make progs)\n", single[i]);
	}
	for (size_t k = 0; k < 2; k++) {
		const struct row *prev = NULL;

		for (size_t i = 0; i < sizeof(ns) / sizeof(ns[0]); i++) {
			char name[64];
			const struct row *r;

			snprintf(name, sizeof(name), "diamonds_%s_%d", kinds[k], ns[i]);
			if (!(r = find_row(name))) {
				printf("%s: not built (make progs)\n", name);
				continue;
			}
			print_row(r);
			if (prev && prev->ex_insns && prev->lx_insns && prev->ex_us > 0 &&
			    prev->lx_us > 0)
				printf("    N x2: exbpf insns x%.2f, time x%.2f%s; Linux insns x%.2f, "
				       "time x%.2f\n",
				       (double)r->ex_insns / (double)prev->ex_insns,
				       r->ex_us / prev->ex_us,
				       r->ex == V_REJ ? " (hit the limit)" : "",
				       (double)r->lx_insns / (double)prev->lx_insns,
				       r->lx_us / prev->lx_us);
			prev = r;
		}
	}
}

int main(int argc, char **argv)
{
	const char *dirs[MAX_DIRS];
	char extra[2][1024];
	size_t ndirs = 0;
	char why[256];

	for (int i = 1; i < argc && ndirs < MAX_DIRS; i++)
		dirs[ndirs++] = argv[i];
	if (!ndirs)
		dirs[ndirs++] = "build/progs";
	if (ndirs == 1 && ends_with(dirs[0], "progs")) {
		snprintf(extra[0], sizeof(extra[0]), "%s_fail", dirs[0]);
		snprintf(extra[1], sizeof(extra[1]), "%s_host", dirs[0]);
		for (int i = 0; i < 2; i++)
			if (is_dir(extra[i]))
				dirs[ndirs++] = extra[i];
	}
	if (!exbpf_linux__available(why, sizeof(why))) {
		/* Nothing to compare against: say why, and do not fail `make bench`. */
		printf("bench_verifier: skipped, the Linux backend is unavailable: %s\n", why);
		return 0;
	}
	if (!(logbuf = malloc(LOG_SIZE)))
		return 1;
	printf("exbpf: best of %d verify_ns, log off; Linux: best of %d 'verification time' at "
	       "log level 4 (whole usec)\n",
	       EXBPF_RUNS, LINUX_RUNS);
	print_header();
	for (size_t i = 0; i < ndirs; i++)
		bench_dir(dirs[i]);
	printf("\n");
	summary("all timed by both      ", 1.0, 0, false);
	summary("Linux >= 100 us        ", 100.0, 0, false);
	summary(">= 1000 insns in both  ", 1.0, 1000, false);
	summary(">= 1000 insns in either", 1.0, 1000, true);
	disagreements();
	synthetic();
	free(logbuf);
	free(rows);
	return 0;
}
