# tcpinc build. `make` builds everything into build/; `make check` runs the
# whole test suite (see selftests/run.sh); `make help` lists targets.

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
SBINDIR ?= $(PREFIX)/sbin
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
MANDIR ?= $(PREFIX)/share/man
DESTDIR ?=

CC ?= gcc
CLANG ?= clang-19
BPFTOOL ?= bpftool
LLVM_STRIP ?= llvm-strip-19
PKG_CONFIG ?= pkg-config

O := build
VERSION := $(shell git describe --always --dirty 2>/dev/null || echo unknown)

WARN := -Wall -Wextra -Werror
CFLAGS ?= -O2 -g
CFLAGS += -std=gnu11 $(WARN) -MMD -MP -D_GNU_SOURCE \
	  -DTCPINC_VERSION='"$(VERSION)"' \
	  -Iinclude -Iuser -I$(O)/skel
LDLIBS_BPF := -lbpf -lelf -lz
LDLIBS_CRYPTO := -lsodium -lcrypto

ARCH := $(shell uname -m | sed 's/x86_64/x86/;s/aarch64/arm64/')
BPF_CFLAGS := -g -O2 -target bpf -mcpu=v3 -D__BPF__ -D__TARGET_ARCH_$(ARCH) \
	      $(WARN) -Wno-unused-function \
	      -Ivmlinux -Iinclude -Ibpf

# ---- dependency check: say clearly what is missing -------------------------
NEED_TOOLS := $(CLANG) $(BPFTOOL) $(LLVM_STRIP) $(PKG_CONFIG)
NEED_PKGS := libbpf libsodium libcrypto libelf zlib
define need_tool
$(if $(shell command -v $(1) 2>/dev/null),,$(error missing tool '$(1)': run 'bash selftests/install-deps.sh' (Debian 12) or install it))
endef
ifeq ($(filter clean help bench,$(MAKECMDGOALS)),)
$(foreach t,$(NEED_TOOLS),$(call need_tool,$(t)))
$(foreach p,$(NEED_PKGS),$(if $(shell $(PKG_CONFIG) --exists $(p) && echo y),,$(error missing library '$(p)' (pkg-config): run 'bash selftests/install-deps.sh')))
endif

# ---- sources --------------------------------------------------------------
BPF_SRCS := $(wildcard bpf/*.bpf.c)
BPF_OBJS := $(patsubst bpf/%.bpf.c,$(O)/bpf/%.bpf.o,$(BPF_SRCS))
SKELS := $(patsubst bpf/%.bpf.c,$(O)/skel/%.skel.h,$(BPF_SRCS))

PROTO_SRCS := $(wildcard user/proto/*.c)
COMMON_SRCS := $(wildcard user/common/*.c)
DAEMON_SRCS := $(wildcard user/tcpincd/*.c)
CLI_SRCS := $(wildcard user/cli/*.c)
LIB_SRCS := $(wildcard user/lib/*.c)

obj = $(patsubst %.c,$(O)/%.o,$(1))

PROTO_A := $(O)/libtcpinc-proto.a
COMMON_A := $(O)/libtcpinc-common.a
LIBTCPINC_A := $(O)/libtcpinc.a

UNIT_SRCS := $(wildcard selftests/unit/test_*.c)
UNIT_BINS := $(patsubst selftests/unit/%.c,$(O)/selftests/unit/%,$(UNIT_SRCS))
UNIT_SUPPORT := $(filter-out $(UNIT_SRCS),$(wildcard selftests/unit/*.c))

LAB_BPF_SRCS := $(wildcard selftests/lab/*.bpf.c)
LAB_BPF_OBJS := $(patsubst selftests/lab/%.bpf.c,$(O)/lab/%.bpf.o,$(LAB_BPF_SRCS))
LAB_SKELS := $(patsubst selftests/lab/%.bpf.c,$(O)/skel/lab_%.skel.h,$(LAB_BPF_SRCS))
LAB_SRCS := $(filter-out $(LAB_BPF_SRCS),$(wildcard selftests/lab/*.c))

FUZZ_SRCS := $(wildcard selftests/fuzz/fuzz_*.c)
FUZZ_BINS := $(patsubst selftests/fuzz/%.c,$(O)/fuzz/%,$(FUZZ_SRCS))

.PHONY: all bpf tests fuzz clean install check help bench
all: bpf $(O)/tcpinc $(O)/tcpincd $(LIBTCPINC_A) tests $(if $(LAB_SRCS),$(O)/tcpinc-lab) \
     $(O)/bench/tcpbench

help:
	@echo 'targets: all (default) bpf tests fuzz check bench install clean'
	@echo 'check  = bash selftests/run.sh (installs packages, builds, runs everything)'
	@echo 'bench  = measurements against plain TCP and stunnel into bench/out/ (root;'
	@echo '         BENCH_QUICK=1 for a short run; see bench/bench.py)'

bpf: $(BPF_OBJS) $(SKELS)
tests: $(UNIT_BINS)
fuzz: $(FUZZ_BINS)

# ---- BPF ------------------------------------------------------------------
$(O)/bpf/%.bpf.o: bpf/%.bpf.c $(wildcard bpf/lib/*.h include/tcpinc/*.h) | $(O)/bpf
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@
	$(LLVM_STRIP) -g $@

$(O)/skel/%.skel.h: $(O)/bpf/%.bpf.o | $(O)/skel
	$(BPFTOOL) gen skeleton $< name tcpinc_$(subst -,_,$*) > $@.tmp && mv $@.tmp $@

$(O)/lab/%.bpf.o: selftests/lab/%.bpf.c $(wildcard include/tcpinc/*.h selftests/lab/*.h) | $(O)/lab
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@
	$(LLVM_STRIP) -g $@

$(O)/skel/lab_%.skel.h: $(O)/lab/%.bpf.o | $(O)/skel
	$(BPFTOOL) gen skeleton $< name lab_$(subst -,_,$*) > $@.tmp && mv $@.tmp $@

# ---- userspace ------------------------------------------------------------
$(O)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

# Objects that include generated skeletons must wait for them.
$(call obj,$(DAEMON_SRCS) $(CLI_SRCS) $(COMMON_SRCS)): | $(SKELS)
$(call obj,$(LAB_SRCS)): | $(LAB_SKELS)

$(PROTO_A): $(call obj,$(PROTO_SRCS))
	@mkdir -p $(dir $@)
	$(AR) rcs $@ $^
$(COMMON_A): $(call obj,$(COMMON_SRCS))
	@mkdir -p $(dir $@)
	$(AR) rcs $@ $^
$(LIBTCPINC_A): $(call obj,$(LIB_SRCS))
	@mkdir -p $(dir $@)
	$(AR) rcs $@ $^

$(O)/tcpincd: $(call obj,$(DAEMON_SRCS)) $(PROTO_A) $(COMMON_A)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS_BPF) $(LDLIBS_CRYPTO) -lpthread
$(O)/tcpinc: $(call obj,$(CLI_SRCS)) $(COMMON_A)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS_BPF)
$(O)/tcpinc-lab: $(call obj,$(LAB_SRCS)) $(COMMON_A)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS_BPF)

$(O)/selftests/unit/%: selftests/unit/%.c $(UNIT_SUPPORT) $(PROTO_A) $(COMMON_A) $(LIBTCPINC_A)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Iselftests/unit -o $@ $< $(UNIT_SUPPORT) $(PROTO_A) $(COMMON_A) $(LIBTCPINC_A) $(LDLIBS_CRYPTO)

# The benchmark's load generator (bench/bench.py runs it).
$(O)/bench/tcpbench: bench/tools/tcpbench.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< -lpthread

# libFuzzer targets are built with clang and sanitizers from the same sources.
FUZZ_CFLAGS := -std=gnu11 -g -O1 -D_GNU_SOURCE -Iinclude -Iuser \
	       -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
FUZZ_HDRS := $(wildcard selftests/fuzz/*.h user/proto/*.h include/tcpinc/*.h)
$(O)/fuzz/%: selftests/fuzz/%.c $(PROTO_SRCS) $(FUZZ_HDRS)
	@mkdir -p $(dir $@)
	$(CLANG) $(FUZZ_CFLAGS) -o $@ $< $(PROTO_SRCS) $(LDLIBS_CRYPTO)

$(O)/bpf $(O)/skel $(O)/lab:
	@mkdir -p $@

# ---- install --------------------------------------------------------------
install: all
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCLUDEDIR) $(DESTDIR)$(MANDIR)/man7 $(DESTDIR)$(MANDIR)/man8
	install -m 0755 $(O)/tcpinc $(O)/tcpincd $(DESTDIR)$(SBINDIR)/
	install -m 0644 $(LIBTCPINC_A) $(DESTDIR)$(LIBDIR)/
	install -m 0644 include/tcpinc.h $(DESTDIR)$(INCLUDEDIR)/
	for m in docs/*.8; do [ -f "$$m" ] && install -m 0644 $$m $(DESTDIR)$(MANDIR)/man8/; done; true
	for m in docs/*.7; do [ -f "$$m" ] && install -m 0644 $$m $(DESTDIR)$(MANDIR)/man7/; done; true

check: all
	bash selftests/run.sh --no-install --no-build

# Installs its packages first (stunnel4, gnuplot), like the test suite.
bench:
	bash selftests/install-deps.sh
	$(MAKE) all
	python3 bench/bench.py

clean:
	rm -rf $(O)

-include $(shell find $(O) -name '*.d' 2>/dev/null)
