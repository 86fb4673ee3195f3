/* Runs examples/counters/counters.bpf.o on a few packets built here, then reads its two maps
 * from the host side: the array by index, the hash map by walking its keys with
 * exbpf_map__get_next_key. Build against an installed exbpf:
 *   cc -std=c11 host.c $(pkg-config --cflags --libs exbpf) -o counters
 *   ./counters counters.bpf.o */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <exbpf/exbpf.h>

#define ETH_P_IP 0x0800
#define ETH_P_ARP 0x0806
#define ETH_P_IPV6 0x86dd
#define ETH_P_LLDP 0x88cc

/* Must match counters.bpf.c. */
static const char *const l3_names[] = {"ipv4", "ipv6", "arp", "other", "truncated ipv4"};
struct proto_stats {
	uint64_t packets;
	uint64_t bytes;
};

struct packet {
	uint16_t ethertype;
	uint8_t ip_proto; /* IPv4 only */
	size_t len;	  /* whole frame */
};

/* 3 TCP (54 + 54 + 60 bytes), 2 UDP (42 + 50), 1 ICMP (42), 1 IPv6, 1 ARP, 1 LLDP, and an
 * IPv4 frame that ends 6 bytes into its IP header. */
static const struct packet packets[] = {
	{ETH_P_IP, 6, 54},   {ETH_P_IP, 6, 54},	  {ETH_P_IP, 17, 42}, {ETH_P_IP, 1, 42},
	{ETH_P_IP, 6, 60},   {ETH_P_IP, 17, 50},  {ETH_P_IPV6, 0, 54}, {ETH_P_ARP, 0, 42},
	{ETH_P_IP, 6, 20},   {ETH_P_LLDP, 0, 60},
};

static size_t build(const struct packet *p, uint8_t *buf)
{
	memset(buf, 0, p->len);
	memcpy(buf, "\x02\0\0\0\0\x02\x02\0\0\0\0\x01", 12);
	buf[12] = p->ethertype >> 8;
	buf[13] = p->ethertype & 0xff;
	if (p->ethertype == ETH_P_IP && p->len >= 14 + 20) {
		uint8_t *ip = buf + 14;
		ip[0] = 0x45;
		ip[2] = (p->len - 14) >> 8;
		ip[3] = (p->len - 14) & 0xff;
		ip[8] = 64;
		ip[9] = p->ip_proto;
	}
	return p->len;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return (x > y) - (x < y);
}

static const char *proto_name(uint32_t proto)
{
	switch (proto) {
	case 1: return "icmp";
	case 6: return "tcp";
	case 17: return "udp";
	default: return "?";
	}
}

int main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : "counters.bpf.o";
	char log[512] = "";
	EXBPF_OPTS(exbpf_load_opts, lo, .log_buf = log, .log_size = sizeof(log));
	struct exbpf_object *obj = NULL;
	struct exbpf_env *env = NULL;
	struct exbpf_instance *inst = NULL;
	struct exbpf_program *prog;
	struct exbpf_map *l3, *protos;
	int ret = 1, err, thrown = 0;

	obj = exbpf_object__open_file(path, NULL);
	if (!obj) {
		fprintf(stderr, "counters: cannot open %s: %s\n", path, strerror(errno));
		return 1;
	}
	env = exbpf_env__new(NULL);
	if (!env || exbpf_instance__load(env, obj, &lo, &inst)) {
		fprintf(stderr, "counters: load: %s\n", log);
		goto out;
	}
	prog = exbpf_instance__find_program(inst, "count");
	l3 = exbpf_instance__find_map(inst, "l3_packets");
	protos = exbpf_instance__find_map(inst, "ipv4_protos");
	if (!prog || !l3 || !protos) {
		fprintf(stderr, "counters: program or map missing\n");
		goto out;
	}

	for (size_t i = 0; i < sizeof(packets) / sizeof(packets[0]); i++) {
		uint8_t buf[128];
		size_t len = build(&packets[i], buf);
		EXBPF_OPTS(exbpf_run_opts, run, .data_in = buf, .data_size_in = len,
			   .log_buf = log, .log_size = sizeof(log));

		err = exbpf_program__run(prog, &run);
		if (err || run.retval != 0) { /* TC_ACT_OK for every packet */
			fprintf(stderr, "counters: packet %zu: err %d retval %llu: %s\n", i, err,
				(unsigned long long)run.retval, log);
			goto out;
		}
		thrown += run.exception.thrown;
	}
	printf("ran %zu packets, %d threw\n", sizeof(packets) / sizeof(packets[0]), thrown);

	/* The array: one lookup per index. */
	for (uint32_t k = 0; k < exbpf_map__max_entries(l3); k++) {
		uint64_t n;

		if (exbpf_map__lookup_elem(l3, &k, &n, 0))
			goto out;
		printf("%s: %llu\n", l3_names[k], (unsigned long long)n);
	}

	/* The hash map: walk the keys (in the map's order), then print them sorted. */
	uint32_t keys[256], nkeys = 0, key, next;
	const uint32_t *prev = NULL;

	while (nkeys < 256 && (err = exbpf_map__get_next_key(protos, prev, &next)) == 0) {
		keys[nkeys++] = next;
		key = next;
		prev = &key;
	}
	if (err && err != -ENOENT)
		goto out;
	qsort(keys, nkeys, sizeof(keys[0]), cmp_u32);
	for (uint32_t i = 0; i < nkeys; i++) {
		struct proto_stats st;

		if (exbpf_map__lookup_elem(protos, &keys[i], &st, 0))
			goto out;
		printf("ipv4 protocol %u (%s): %llu packets, %llu bytes\n", keys[i],
		       proto_name(keys[i]), (unsigned long long)st.packets,
		       (unsigned long long)st.bytes);
	}
	ret = 0;
out:
	exbpf_instance__free(inst);
	exbpf_env__free(env);
	exbpf_object__close(obj);
	return ret;
}
