# exbpf build. `make` builds the library and CLI; `make test` runs every suite; `make demo`
# runs an example. SAN=1 builds with ASan+UBSan into build/san; V=1 shows commands.

CC ?= cc
ifeq ($(origin CC),default)
CC := cc
endif
PREFIX ?= /usr/local
BPF_CLANG ?= clang-19

ifeq ($(SAN),1)
BUILD ?= build/san
SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
else ifeq ($(TSAN),1)
# ThreadSanitizer for the concurrency tests: `make test TSAN=1` (slow: export EXBPF_MT_OPS=N
# to shorten the 10^6-operation thread tests).
BUILD ?= build/tsan
SANFLAGS := -fsanitize=thread -fno-omit-frame-pointer
else
BUILD ?= build
SANFLAGS :=
endif

ifeq ($(V),1)
Q :=
else
Q := @
endif

WARN := -Wall -Wextra -Werror -Wmissing-prototypes -Wshadow -Wno-unused-parameter
CPPFLAGS := -Iinclude -Isrc -D_GNU_SOURCE -MMD -MP
CFLAGS ?= -O2 -g
CFLAGS += -std=c11 $(WARN) -fPIC -fvisibility=hidden $(SANFLAGS)
LDFLAGS += $(SANFLAGS)
LDLIBS := -lelf -lz -lpthread

LIB_SRCS := $(sort $(wildcard src/*/*.c))
TOOL_SRCS := $(sort $(wildcard tools/*.c))
UNIT_SRCS := $(sort $(wildcard tests/unit/*.c))

LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/obj/%.o)
TOOL_OBJS := $(TOOL_SRCS:%.c=$(BUILD)/obj/%.o)
# The unit tests also exercise the CLI's .data parser.
UNIT_OBJS := $(UNIT_SRCS:%.c=$(BUILD)/obj/%.o) $(BUILD)/obj/tools/conformance_data.o

LIB_A := $(BUILD)/libexbpf.a
LIB_SO := $(BUILD)/libexbpf.so
CLI := $(BUILD)/exbpf
UNIT := $(BUILD)/tests/unit

# BPF programs under tests/progs/ (and examples/), compiled as Linux's selftests are.
# Debian's multiarch include directory (asm/types.h), named as gcc names the target: clang
# says x86_64-pc-linux-gnu, which is not a directory.
BPF_ARCH_INC := /usr/include/$(shell gcc -dumpmachine 2>/dev/null || echo x86_64-linux-gnu)
BPF_CFLAGS := -target bpf -mcpu=v4 -g -O2 -Iinclude -I$(BPF_ARCH_INC) -Wall -Werror
PROG_SRCS := $(sort $(wildcard tests/progs/*.bpf.c))
PROG_OBJS := $(PROG_SRCS:tests/progs/%.bpf.c=$(BUILD)/progs/%.bpf.o)
# Programs with deliberately wrong annotations, for the test runner's own tests.
PROG_FAIL_SRCS := $(sort $(wildcard tests/progs_fail/*.bpf.c))
PROG_OBJS += $(PROG_FAIL_SRCS:tests/progs_fail/%.bpf.c=$(BUILD)/progs_fail/%.bpf.o)
# Programs that need a host's registrations (their own program types): C tests only.
PROG_HOST_SRCS := $(sort $(wildcard tests/progs_host/*.bpf.c))
PROG_OBJS += $(PROG_HOST_SRCS:tests/progs_host/%.bpf.c=$(BUILD)/progs_host/%.bpf.o)

.PHONY: all progs test demo install clean format setup check-tools fuzz fuzz-smoke bench

all: $(LIB_A) $(LIB_SO) $(CLI)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

$(LIB_A): $(LIB_OBJS)
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && ar rcs $@ $^

$(LIB_SO): $(LIB_OBJS)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) -shared $(LDFLAGS) -Wl,-soname,libexbpf.so.0 $^ $(LDLIBS) -o $@

# The CLI links the static library: one self-contained binary.
$(CLI): $(TOOL_OBJS) $(LIB_A)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) $(TOOL_OBJS) $(LIB_A) $(LDLIBS) -o $@

$(UNIT): $(UNIT_OBJS) $(LIB_A)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) $(UNIT_OBJS) $(LIB_A) $(LDLIBS) -o $@

$(BUILD)/progs/%.bpf.o: tests/progs/%.bpf.c $(wildcard include/bpf/*.h)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  BPF     $<")
	$(Q)$(BPF_CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/progs_fail/%.bpf.o: tests/progs_fail/%.bpf.c $(wildcard include/bpf/*.h)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  BPF     $<")
	$(Q)$(BPF_CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/progs_host/%.bpf.o: tests/progs_host/%.bpf.c $(wildcard include/bpf/*.h)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  BPF     $<")
	$(Q)$(BPF_CLANG) $(BPF_CFLAGS) -c $< -o $@

progs: $(PROG_OBJS)

# libFuzzer targets (clang-19): every source of the library plus one fuzz/*.c each, built with
# ASan+UBSan. `make fuzz FUZZ_SECONDS=N` runs each for N seconds; fuzz-smoke is the short run
# of `make test`, with a fixed seed, after replaying the corpus in fuzz/corpus/NAME.
FUZZ_SRCS := $(sort $(wildcard fuzz/*.c))
FUZZ_LIB := $(sort $(wildcard fuzz/lib/*.c))
FUZZ_BINS := $(FUZZ_SRCS:fuzz/%.c=build/fuzz/%)
FUZZ_SECONDS ?= 300
FUZZ_SMOKE_SECONDS ?= 15

# The library and fuzz/lib/ are compiled once, instrumented for coverage (fuzzer-no-link) and
# the sanitizers, into an archive every target links: six targets, one compilation of the
# library.
FUZZ_CFLAGS := -std=c11 -D_GNU_SOURCE -g -O1 -Iinclude -Isrc -fno-sanitize-recover=all
FUZZ_OBJS := $(LIB_SRCS:%.c=build/fuzz/obj/%.o) $(FUZZ_LIB:%.c=build/fuzz/obj/%.o)
FUZZ_ARCHIVE := build/fuzz/libexbpf-fuzz.a

build/fuzz/obj/%.o: %.c $(wildcard src/*/*.h src/*/*.inc include/*/*.h fuzz/lib/*.h)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  FUZZCC  $<")
	$(Q)$(BPF_CLANG) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link,address,undefined -c $< -o $@

$(FUZZ_ARCHIVE): $(FUZZ_OBJS)
	$(Q)rm -f $@ && ar rcs $@ $^

build/fuzz/%: fuzz/%.c $(FUZZ_ARCHIVE)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  FUZZ    $@")
	$(Q)$(BPF_CLANG) $(FUZZ_CFLAGS) -fsanitize=fuzzer,address,undefined \
		$< $(FUZZ_ARCHIVE) $(LDLIBS) -o $@

fuzz: $(FUZZ_BINS)
	$(Q)for f in $(FUZZ_BINS); do scripts/fuzz.sh $$f $(FUZZ_SECONDS) 0 || exit 1; done

fuzz-smoke: $(FUZZ_BINS)
	$(Q)for f in $(FUZZ_BINS); do scripts/fuzz.sh $$f $(FUZZ_SMOKE_SECONDS) 1 || exit 1; done

# Benchmarks (bench/*.c, one binary each, linked with the library and its internals): they
# print ns figures and ratios; targets are read, never asserted by `make test`. -lm for
# bench_verifier's geometric mean.
BENCH_SRCS := $(sort $(wildcard bench/*.c))
BENCH_BINS := $(BENCH_SRCS:bench/%.c=$(BUILD)/bench/%)

$(BUILD)/bench/%: bench/%.c $(LIB_A)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) $< $(LIB_A) $(LDLIBS) -lm -o $@

bench: check-tools
	$(Q)$(MAKE) --no-print-directory all progs $(BENCH_BINS)
	$(Q)for b in $(BENCH_BINS); do echo "== $$b"; $$b $(BUILD)/progs || exit 1; done

# Installs what the build needs when a tool is missing (fresh Debian machine).
check-tools:
	@command -v $(BPF_CLANG) >/dev/null 2>&1 && [ -f /usr/include/libelf.h ] \
		&& [ -f /usr/include/bpf/bpf_helpers.h ] || scripts/setup.sh

setup:
	scripts/setup.sh

test: check-tools
	$(Q)$(MAKE) --no-print-directory all $(UNIT) progs $(FUZZ_BINS)
	$(Q)BUILD=$(BUILD) FUZZ_BINS="$(FUZZ_BINS)" FUZZ_SMOKE_SECONDS=$(FUZZ_SMOKE_SECONDS) tests/run.sh

demo: check-tools
	$(Q)$(MAKE) --no-print-directory all
	$(Q)BUILD=$(BUILD) scripts/demo.sh

install: all
	install -d $(DESTDIR)$(PREFIX)/lib $(DESTDIR)$(PREFIX)/include/exbpf \
		$(DESTDIR)$(PREFIX)/include/exbpf/bpf $(DESTDIR)$(PREFIX)/bin \
		$(DESTDIR)$(PREFIX)/lib/pkgconfig
	install -m 644 $(LIB_A) $(DESTDIR)$(PREFIX)/lib/
	install -m 755 $(LIB_SO) $(DESTDIR)$(PREFIX)/lib/libexbpf.so.0
	ln -sf libexbpf.so.0 $(DESTDIR)$(PREFIX)/lib/libexbpf.so
	install -m 644 include/exbpf/*.h $(DESTDIR)$(PREFIX)/include/exbpf/
	$(if $(wildcard include/bpf/*.h),install -m 644 include/bpf/*.h $(DESTDIR)$(PREFIX)/include/exbpf/bpf/)
	install -m 755 $(CLI) $(DESTDIR)$(PREFIX)/bin/
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|'"$$(sed -n 's/#define EXBPF_VERSION "\(.*\)"/\1/p' include/exbpf/exbpf.h)"'|' \
		exbpf.pc.in > $(DESTDIR)$(PREFIX)/lib/pkgconfig/exbpf.pc

format:
	clang-format -i $(LIB_SRCS) $(TOOL_SRCS) $(UNIT_SRCS) $(wildcard include/*/*.h src/*/*.h)

clean:
	rm -rf build

-include $(LIB_OBJS:.o=.d) $(TOOL_OBJS:.o=.d) $(UNIT_OBJS:.o=.d)
