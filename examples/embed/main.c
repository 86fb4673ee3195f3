/* Embedding exbpf with the host's own program type and helper: examples/embed/policy.bpf.c
 * decides access requests. The host registers
 *   - a helper, id 1000, that returns a user's clearance from the host's own table, and
 *   - a program type "policy" whose context is struct policy_ctx (fields readable, one
 *     writable), which the loader gives to programs in SEC("policy"),
 * then loads the object, runs the program once per request and prints each verdict, the
 * reason the program wrote into the context and, for a throw, the exception report.
 * Build against an installed exbpf:
 *   cc -std=c11 main.c $(pkg-config --cflags --libs exbpf) -o embed
 *   ./embed policy.bpf.o */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <exbpf/exbpf.h>

#define POLICY_PROG_TYPE (EXBPF_PROG_TYPE_USER + 1)
#define HOST_CLEARANCE_ID 1000

/* Must match policy.bpf.c. */
struct policy_ctx {
	uint32_t uid;
	uint32_t op; /* 0 read, 1 write */
	uint64_t level;
	uint32_t reason;
	uint32_t reserved;
};

static const char *const verdicts[] = {"DENY", "ALLOW", "ERROR"};
static const char *const reasons[] = {"ok", "clearance too low", "read-only access"};
static const char *const cookies[] = {"?", "bad resource level", "unknown user"};

static const struct {
	uint32_t uid;
	int64_t clearance;
} users[] = {{1000, 3}, {1001, 1}};
static unsigned helper_calls;

/* The helper: r1 = uid; the clearance, or -ENOENT for a user the host does not know. */
static uint64_t host_clearance(uint64_t uid, uint64_t r2, uint64_t r3, uint64_t r4,
			       uint64_t r5, struct exbpf_run *run)
{
	(void)r2, (void)r3, (void)r4, (void)r5, (void)run;
	helper_calls++;
	for (size_t i = 0; i < sizeof(users) / sizeof(users[0]); i++)
		if (users[i].uid == (uint32_t)uid)
			return (uint64_t)users[i].clearance;
	return (uint64_t)(int64_t)-ENOENT;
}

int main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : "policy.bpf.o";
	static const struct exbpf_func_proto clearance_proto = {
		.ret = EXBPF_RET_INTEGER,
		.args = {EXBPF_ARG_SCALAR},
	};
	static const struct exbpf_ctx_field fields[] = {
		{offsetof(struct policy_ctx, uid), 4, EXBPF_CTX_READ},
		{offsetof(struct policy_ctx, op), 4, EXBPF_CTX_READ},
		{offsetof(struct policy_ctx, level), 8, EXBPF_CTX_READ},
		{offsetof(struct policy_ctx, reason), 4, EXBPF_CTX_READ | EXBPF_CTX_WRITE},
	};
	EXBPF_OPTS(exbpf_prog_type_desc, type, .type = POLICY_PROG_TYPE, .name = "policy",
		   .ctx_size = sizeof(struct policy_ctx), .fields = fields,
		   .nfields = sizeof(fields) / sizeof(fields[0]), .ret_min = 0, .ret_max = 2);
	static const struct exbpf_sec_type secs[] = {{"policy", POLICY_PROG_TYPE}};
	char log[512] = "";
	EXBPF_OPTS(exbpf_open_opts, oo, .log_buf = log, .log_size = sizeof(log),
		   .sec_types = secs, .nsec_types = 1);
	/* Loading verifies the program against the helper's prototype and the context's field
	 * table; a rejection fails here with the verifier's message in log. */
	EXBPF_OPTS(exbpf_load_opts, lo, .log_buf = log, .log_size = sizeof(log));
	const struct policy_ctx requests[] = {
		{.uid = 1000, .op = 0, .level = 2}, /* clearance 3 reads level 2 */
		{.uid = 1001, .op = 0, .level = 1}, /* clearance 1 reads level 1 */
		{.uid = 1001, .op = 1, .level = 1}, /* ... but may not write it */
		{.uid = 1001, .op = 0, .level = 3}, /* clearance 1 reads level 3 */
		{.uid = 4242, .op = 0, .level = 0}, /* the helper does not know 4242: throws */
		{.uid = 1000, .op = 0, .level = 7}, /* no level 7: throws before the helper */
	};
	struct exbpf_object *obj = NULL;
	struct exbpf_env *env = NULL;
	struct exbpf_instance *inst = NULL;
	struct exbpf_program *prog;
	int ret = 1, err;

	env = exbpf_env__new(NULL);
	if (!env)
		return 1;
	err = exbpf_env__register_helper(env, HOST_CLEARANCE_ID, "host_clearance", host_clearance,
					 &clearance_proto);
	if (!err)
		err = exbpf_env__register_prog_type(env, &type);
	if (err) {
		fprintf(stderr, "embed: register: %s\n", strerror(-err));
		goto out;
	}
	obj = exbpf_object__open_file(path, &oo);
	if (!obj) {
		fprintf(stderr, "embed: open %s: %s %s\n", path, strerror(errno), log);
		goto out;
	}
	if (exbpf_instance__load(env, obj, &lo, &inst)) {
		fprintf(stderr, "embed: load: %s\n", log);
		goto out;
	}
	prog = exbpf_instance__find_program(inst, "check_access");
	if (!prog)
		goto out;

	for (size_t i = 0; i < sizeof(requests) / sizeof(requests[0]); i++) {
		struct policy_ctx after = {0};
		EXBPF_OPTS(exbpf_run_opts, run, .ctx_in = &requests[i],
			   .ctx_size_in = sizeof(requests[i]), .ctx_out = &after,
			   .ctx_size_out = sizeof(after), .log_buf = log, .log_size = sizeof(log));

		err = exbpf_program__run(prog, &run);
		if (err || run.retval > 2) {
			fprintf(stderr, "embed: run: %s\n", err ? log : "verdict out of range");
			goto out;
		}
		printf("uid %u %s level %llu: %s", requests[i].uid,
		       requests[i].op ? "write" : "read", (unsigned long long)requests[i].level,
		       verdicts[run.retval]);
		if (!run.exception.thrown) {
			printf(" (%s)\n", reasons[after.reason < 3 ? after.reason : 0]);
			continue;
		}
		const struct exbpf_exception *ex = &run.exception;
		printf(" (cookie %llu: %s)\n", (unsigned long long)ex->cookie,
		       cookies[ex->cookie < 3 ? ex->cookie : 0]);
		for (uint32_t f = 0; f < ex->nframes; f++) {
			const struct exbpf_frame *fr = &ex->frames[f];
			const char *text = fr->text ? fr->text : "";

			text += strspn(text, " \t");
			printf("  #%u %s insn %u (%s:%u)\n        %s\n", f, fr->func, fr->insn,
			       fr->file ? fr->file : "?", fr->line, text);
		}
	}
	printf("helper calls: %u\n", helper_calls);
	ret = 0;
out:
	exbpf_instance__free(inst);
	exbpf_object__close(obj);
	exbpf_env__free(env);
	return ret;
}
