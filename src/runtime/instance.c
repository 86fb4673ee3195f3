/* Loading an object into an environment: its maps, its kfunc externs, its programs. */
#include <errno.h>
#include <linux/bpf.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/graph_btf.h"
#include "runtime/runtime.h"
#include "verifier/verifier.h"
#include "runtime/timer.h"

static pthread_mutex_t seal_lock = PTHREAD_MUTEX_INITIALIZER;

/* The helper table engines use, built once: registries are read-only from here on. */
static int seal(struct exbpf_env *env)
{
	int err = 0;

	pthread_mutex_lock(&seal_lock);
	if (!atomic_load(&env->sealed)) {
		env->vm_helpers = calloc(env->nhelpers ? env->nhelpers : 1, sizeof(*env->vm_helpers));
		if (!env->vm_helpers) {
			err = -ENOMEM;
		} else {
			for (size_t i = 0; i < env->nhelpers; i++)
				env->vm_helpers[i] = (struct vm_helper){
					.id = env->helpers[i].id, .name = env->helpers[i].name,
					.fn = env->helpers[i].fn,
					.never_stops = env->helpers[i].proto.flags &
						       EXBPF_FN_NEVER_STOPS};
			env->helper_table = (struct vm_helper_table){env->vm_helpers, env->nhelpers};
			atomic_store(&env->sealed, true);
		}
	}
	pthread_mutex_unlock(&seal_lock);
	return err;
}

static int create_map(struct exbpf_instance *inst, const struct exbpf_map_spec *spec,
		      struct log *log)
{
	const struct exbpf_map_def *d = exbpf_map_spec__def(spec);
	size_t idx = exbpf_map_spec__index(spec);
	struct exbpf_map_attr attr = {
		.sz = sizeof(attr),
		.name = d->name,
		.type = d->type,
		.key_size = d->key_size,
		.value_size = d->value_size,
		.max_entries = d->max_entries,
		.map_flags = d->map_flags,
		.spin_lock_off = d->btf_value_type_id
					 ? rt_btf_member_off(exbpf_object__btf(inst->obj),
							     d->btf_value_type_id, "bpf_spin_lock")
					 : -1,
	};

	attr.has_spin_lock = attr.spin_lock_off >= 0;
	char why[256] = "";
	uint32_t zero = 0;
	struct graph_field graph[GRAPH_MAX_FIELDS];
	int n = d->btf_value_type_id ? rt_graph_fields(exbpf_object__btf(inst->obj),
						       d->btf_value_type_id, graph, why, sizeof(why))
				     : 0;
	int err;

	/* Linux refuses such a value's BTF and libbpf makes the map again without it: its lock,
	 * roots and kptrs are plain bytes then (programs that use them as such are refused). */
	if (n < 0) {
		log_printf(log, "map '%s': %s: made without its BTF, as libbpf does\n", d->name, why);
		attr.has_spin_lock = false;
		attr.spin_lock_off = -1;
	}
	err = exbpf_map__create(&attr, &inst->maps[idx], why, sizeof(why));
	if (!err && n > 0 && (err = map_set_graph(inst->maps[idx], graph, (uint32_t)n)))
		snprintf(why, sizeof(why), "its map type cannot hold bpf_list_head or bpf_rb_root");
	if (!err && n >= 0 && d->btf_value_type_id) {
		struct kptr_field k[KPTR_MAX_FIELDS];
		uint32_t offs[KPTR_MAX_FIELDS];
		int nk = rt_kptr_fields(exbpf_object__btf(inst->obj), d->btf_value_type_id, k);

		for (int i = 0; i < nk && i < KPTR_MAX_FIELDS; i++)
			offs[i] = k[i].off;
		if (nk > KPTR_MAX_FIELDS)
			err = -E2BIG, snprintf(why, sizeof(why), "more than %d kptr fields", KPTR_MAX_FIELDS);
		else if (nk > 0 && (err = map_set_kptrs(inst->maps[idx], offs, (uint32_t)nk)))
			snprintf(why, sizeof(why), "kptr fields are held by hash and array maps only, 8-byte "
						   "aligned and clear of the value's other special fields");
	}
	if (err) {
		log_printf(log, "map '%s': %s\n", d->name, why[0] ? why : "cannot be created");
		return err;
	}
	if (d->global_data && d->initial_value) {
		err = exbpf_map__update_elem(inst->maps[idx], &zero, d->initial_value, BPF_ANY);
		if (err)
			log_printf(log, "map '%s': cannot set its initial value\n", d->name);
	}
	return err;
}

static int create_maps(struct exbpf_instance *inst, struct log *log)
{
	const struct exbpf_map_spec *spec;
	size_t n = 0;

	exbpf_object__for_each_map(spec, inst->obj)
		n++;
	inst->maps = calloc(n ? n : 1, sizeof(*inst->maps));
	if (!inst->maps)
		return -ENOMEM;
	inst->nmaps = n;
	exbpf_object__for_each_map(spec, inst->obj) {
		int err = create_map(inst, spec, log);

		if (err)
			return err;
	}
	return 0;
}

/* A field of the caller's opts, or d when the caller's struct predates it. */
#define LOAD_OPT(o, f, d)                                                                       \
	((o) && (o)->sz >= offsetof(struct exbpf_load_opts, f) + sizeof((o)->f) ? (o)->f : (d))

static bool selected(const struct exbpf_prog *p, const struct exbpf_load_opts *o)
{
	const char *const *also = LOAD_OPT(o, also_programs, NULL);

	if (o && o->only_program) {
		if (!strcmp(exbpf_prog__name(p), o->only_program))
			return true;
		for (; also && *also; also++)
			if (!strcmp(exbpf_prog__name(p), *also))
				return true;
		return false;
	}
	return exbpf_prog__autoload(p) || (o && o->all_programs);
}

/* Programs a declarative prog array of the object names load with the selected ones. */
static bool tail_target(const struct exbpf_object *obj, size_t prog_idx)
{
	const struct exbpf_map_spec *spec;

	exbpf_object__for_each_map(spec, obj) {
		const struct exbpf_map_def *d = exbpf_map_spec__def(spec);
		const uint32_t *slots = d->initial_value;

		if (d->type != BPF_MAP_TYPE_PROG_ARRAY || !slots)
			continue;
		for (size_t i = 0; i < d->initial_size / 4; i++)
			if (slots[i] == prog_idx)
				return true;
	}
	return false;
}

static int fill_prog_arrays(struct exbpf_instance *inst)
{
	const struct exbpf_map_spec *spec;

	exbpf_object__for_each_map(spec, inst->obj) {
		const struct exbpf_map_def *d = exbpf_map_spec__def(spec);
		const uint32_t *slots = d->initial_value;
		struct exbpf_map *map = inst->maps[exbpf_map_spec__index(spec)];

		if (d->type != BPF_MAP_TYPE_PROG_ARRAY || !slots)
			continue;
		for (size_t i = 0; i < d->initial_size / 4; i++) {
			if (slots[i] < inst->nprogs && inst->progs[slots[i]].loaded) {
				int err = map_prog_array_set(map, (uint32_t)i, &inst->progs[slots[i]]);

				if (err)
					return err;
			}
		}
	}
	return 0;
}

/* Verifies one program: 0 with *verified when the verifier accepted it (res holds its
 * result), 0 without for exbpf's raw type, -EACCES when rejected. */
static int verify_one(struct exbpf_program *prog, const struct exbpf_load_opts *opts,
		      struct verifier_result *res, bool *verified, struct log *log)
{
	struct rt_verify_opts vo = {
	    .log_level = LOAD_OPT(opts, log_level, 0),
	    .kernel_strict = LOAD_OPT(opts, kernel_strict, false),
	    .unpriv = LOAD_OPT(opts, unpriv, false),
	};
	int err;

	*verified = false;
	err = rt_set_prog_type(prog, log);
	if (err)
		return err;
	/* exbpf's raw type (r1 = data, r2 = its length) ties a pointer to a number the verifier
	 * cannot relate: its programs stay in the checked interpreter, unverified. */
	if (prog->pt->type == EXBPF_PROG_TYPE_RAW)
		return 0;
	err = rt_verify(prog, &vo, res, log);
	if (err && res->error[0]) {
		/* The last line names the verdict: callers show it alone. */
		log_printf(log, "program '%s': rejected by the verifier at insn %lld: %s\n",
			   prog->name, (long long)res->error_insn, res->error);
		err = -EACCES;
	}
	*verified = !err;
	return err;
}

/* Verified programs run unchecked; unverified ones (opts->unverified, the raw type) in the
 * checked interpreter. */
static int load_one(struct exbpf_program *prog, const struct exbpf_load_opts *opts,
		    struct log *log)
{
	struct verifier_result res = {0};
	bool verified = false;
	int err = 0;

	if (!opts || !opts->unverified)
		err = verify_one(prog, opts, &res, &verified, log);
	if (!err)
		err = rt_prepare(prog, verified ? &res : NULL, LOAD_OPT(opts, engine, 0), log);
	verifier_result_free(&res);
	return err;
}

/* For exbpf_env__verify(): the program's type only, no engine. A program's engine form is
 * built from what the verifier proved, so a program the verifier is about to judge must not
 * be refused beforehand for what only its engines refuse (a write to r10 in dead code). */
static int select_only(struct exbpf_program *prog, struct log *log)
{
	int err = rt_set_prog_type(prog, log);

	prog->loaded = !err;
	return err;
}

static int instance_load(struct exbpf_env *env, const struct exbpf_object *obj,
			 const struct exbpf_load_opts *opts, bool verify_only,
			 struct exbpf_instance **out)
{
	struct exbpf_instance *inst;
	const struct exbpf_prog *p;
	struct log log;
	size_t n = 0;
	int err;

	log_init(&log, opts ? opts->log_buf : NULL, opts ? opts->log_size : 0);
	*out = NULL;
	err = seal(env);
	if (err)
		return err;
	inst = calloc(1, sizeof(*inst));
	if (!inst)
		return -ENOMEM;
	inst->env = env;
	inst->obj = obj;
	inst->budget = opts && opts->insn_budget ? opts->insn_budget : EXBPF_VM_DEFAULT_BUDGET;
	exbpf_object__for_each_program(p, obj)
		n++;
	inst->progs = calloc(n ? n : 1, sizeof(*inst->progs));
	if (!inst->progs) {
		free(inst);
		return -ENOMEM;
	}
	inst->nprogs = n;
	err = create_maps(inst, &log);
	if (!err)
		err = rt_resolve_externs(inst, &log);
	exbpf_object__for_each_program(p, obj) {
		struct exbpf_program *prog = &inst->progs[exbpf_prog__index(p)];

		prog->inst = inst;
		prog->spec = p;
		prog->name = exbpf_prog__name(p);
		if (err || !(selected(p, opts) || tail_target(obj, exbpf_prog__index(p))))
			continue;
		err = verify_only ? select_only(prog, &log) : load_one(prog, opts, &log);
	}
	if (!err)
		err = fill_prog_arrays(inst);
	if (err) {
		exbpf_instance__free(inst);
		return err;
	}
	*out = inst;
	return 0;
}

int exbpf_instance__load(struct exbpf_env *env, const struct exbpf_object *obj,
			 const struct exbpf_load_opts *opts, struct exbpf_instance **out)
{
	return instance_load(env, obj, opts, false, out);
}

int rt_instance_load_unprepared(struct exbpf_env *env, const struct exbpf_object *obj,
				const struct exbpf_load_opts *opts, struct exbpf_instance **out)
{
	return instance_load(env, obj, opts, true, out);
}

void exbpf_instance__free(struct exbpf_instance *inst)
{
	if (!inst)
		return;
	rt_timers_instance_gone(inst);
	for (size_t i = 0; i < inst->nprogs; i++)
		rt_unprepare(&inst->progs[i]);
	for (size_t i = 0; i < inst->nmaps; i++)
		if (inst->maps[i])
			exbpf_map__put(inst->maps[i]);
	free(inst->maps);
	free(inst->progs);
	free(inst->kfuncs);
	free(inst);
}

struct exbpf_program *exbpf_instance__find_program(const struct exbpf_instance *inst,
						   const char *name)
{
	for (size_t i = 0; i < inst->nprogs; i++)
		if (inst->progs[i].loaded && !strcmp(inst->progs[i].name, name))
			return &inst->progs[i];
	return NULL;
}

struct exbpf_map *exbpf_instance__find_map(const struct exbpf_instance *inst, const char *name)
{
	const struct exbpf_map_spec *spec = exbpf_object__find_map_by_name(inst->obj, name);

	return spec ? inst->maps[exbpf_map_spec__index(spec)] : NULL;
}

const char *exbpf_program__name(const struct exbpf_program *prog)
{
	return prog->name;
}

bool exbpf_program__takes_packet(const struct exbpf_program *prog)
{
	return prog->pt && prog->pt->packet;
}

int exbpf_program__set_tail(struct exbpf_map *prog_array, uint32_t index,
			    struct exbpf_program *prog)
{
	if (!prog_array || exbpf_map__type(prog_array) != BPF_MAP_TYPE_PROG_ARRAY)
		return -EINVAL;
	if (prog && !prog->loaded)
		return -EINVAL;
	return map_prog_array_set(prog_array, index, prog);
}
