# vmscope: one Makefile.  make | make test | make bench | make run | make clean   (V=1: verbose)
#   SANITIZE=1  build into build-san/ with AddressSanitizer and UndefinedBehaviorSanitizer
#   WERROR=1    warnings are errors (CI)

BUILD ?= build
ifeq ($(SANITIZE),1)
BUILD := build-san
endif

CC ?= gcc
VERSION := $(shell git describe --always --dirty 2>/dev/null || echo 0.1)

Q := @
ifeq ($(V),1)
Q :=
endif

WARN := -Wall -Wextra -Wshadow -Wno-missing-field-initializers
ifeq ($(WERROR),1)
WARN += -Werror
endif
SAN :=
ifeq ($(SANITIZE),1)
SAN := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
endif

CFLAGS := -std=gnu11 -O2 -g $(WARN) $(SAN) -D_GNU_SOURCE -MMD -MP
LDFLAGS := $(SAN)
LDLIBS := -lpthread

# json-c (required) reads and writes the JSON of the control socket and of `report --json`.
# Its directory comes first on the include path and has a debug.h of its own: vmscope writes
# <json-c/json.h>, and includes its own headers by paths relative to the including file.
CFLAGS += $(shell pkg-config --cflags json-c)
LDLIBS += $(shell pkg-config --libs json-c) -lxxhash

# Guest code: freestanding, no SSE (KVM's emulator refuses most of it at ring 0), no red zone.
GUEST_CFLAGS := -std=gnu11 -O2 -g $(WARN) -ffreestanding -fno-pic -mgeneral-regs-only \
	-mno-red-zone -fno-stack-protector -fcf-protection=none -fno-tree-loop-distribute-patterns
GUEST_LDFLAGS := -nostdlib -static -no-pie -Wl,--build-id=none -Wl,-e,_start

# Tests that boot guests: the guest part runs from the test's own image, identity-mapped.
GTEST_CFLAGS := $(CFLAGS) -no-pie -fno-pie -mno-red-zone \
	-fno-stack-protector -fcf-protection=none -fno-tree-loop-distribute-patterns

CORE_SRC := $(wildcard lib/*.c) $(wildcard core/*.c) $(wildcard host/*.c) $(wildcard trace/*.c) \
	$(wildcard control/*.c) $(wildcard analysis/*.c) $(filter-out %.bpf.c,$(wildcard probes/*.c)) \
	$(wildcard gears/*.c) $(wildcard mime/*.c) $(wildcard rtme/*.c) $(wildcard ckpt/*.c)
CLI_SRC := $(wildcard cli/*.c)
CORE_OBJ := $(CORE_SRC:%.c=$(BUILD)/%.o)
CLI_OBJ := $(CLI_SRC:%.c=$(BUILD)/%.o)
UNIT_SRC := $(wildcard tests/unit/test_*.c)
GUEST_TEST_SRC := $(wildcard tests/guest/test_*.c)
UNIT_BIN := $(UNIT_SRC:%.c=$(BUILD)/%)
GUEST_TEST_BIN := $(GUEST_TEST_SRC:%.c=$(BUILD)/%)
BENCH_BIN := $(patsubst bench/%.c,$(BUILD)/bench/%,$(wildcard bench/bench_*.c))

-include $(BUILD)/config.mk

# Required packages missing (scripts/configure): stop before the compiler would, with the fix.
# 'make run', 'make test' and 'make bench' install them first and build in a sub-make.
ifneq ($(strip $(MISSING_REQUIRED)),)
ifeq ($(filter run test bench deps check-deps clean,$(MAKECMDGOALS)),)
$(error vmscope: $(MISSING_REQUIRED) missing: run scripts/install-deps as root (or 'make run' or 'make test', which install what is missing and build))
endif
endif

# babeltrace2 (optional) reads CTF traces for `vmscope report`; without it, report says so.
ifeq ($(HAVE_BABELTRACE2),1)
CFLAGS += -DHAVE_BABELTRACE2 $(shell pkg-config --cflags babeltrace2)
LDLIBS += $(shell pkg-config --libs babeltrace2)
endif

# capstone (optional) decodes the instructions KVM refuses, so that vmscope can execute them.
ifeq ($(HAVE_CAPSTONE),1)
CFLAGS += -DHAVE_CAPSTONE
GTEST_CFLAGS += -DHAVE_CAPSTONE
LDLIBS += $(shell pkg-config --libs capstone)
endif

.PHONY: all test bench run clean deps check-deps unit-tests guest-tests
all: $(BUILD)/vmscope

# Kernel probes (probes/, docs/probes.md): kvm.bpf.c built with clang -target bpf against
# the running kernel's BTF; vmlinux.h and the skeleton are generated into $(BUILD)/probes/.
# Without libbpf, clang, bpftool or kernel BTF, probes.c builds its stub, which says so.
comma := ,
PROBES_MISSING := $(strip $(if $(filter 1,$(HAVE_LIBBPF)),,libbpf) \
	$(if $(filter 1,$(HAVE_CLANG)),,clang) $(if $(filter 1,$(HAVE_BPFTOOL)),,bpftool) \
	$(if $(filter 1,$(HAVE_BTF)),,kernel-BTF) \
	$(if $(filter 1,$(HAVE_KVM_BTF))$(filter 0,$(HAVE_BTF) $(HAVE_BPFTOOL)),,KVM-BTF))
ifeq ($(PROBES_MISSING),)
PROBES_CFLAGS := -DHAVE_KVM_PROBES -I$(BUILD)/probes $(shell pkg-config --cflags libbpf)
LDLIBS += $(shell pkg-config --libs --static libbpf)
$(BUILD)/probes/probes.o: $(BUILD)/probes/kvm.skel.h
else
PROBES_CFLAGS := -DPROBES_BUILD_MISSING='"$(subst $() ,$(comma) ,$(PROBES_MISSING))"'
endif
$(BUILD)/probes/probes.o: CFLAGS += $(PROBES_CFLAGS)

# KVM built in: vmlinux's BTF has its types; KVM a module: its BTF, split on vmlinux's.
PROBES_BTF := $(firstword $(wildcard /sys/kernel/btf/kvm) /sys/kernel/btf/vmlinux)
$(BUILD)/probes/vmlinux.h: $(PROBES_BTF)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  BTF     $@")
	$(Q)bpftool btf dump file $< $(if $(filter %/kvm,$<),base /sys/kernel/btf/vmlinux) \
		format c >$@.tmp && mv $@.tmp $@

$(BUILD)/probes/kvm.bpf.o: probes/kvm.bpf.c probes/kvm.h $(BUILD)/probes/vmlinux.h
	@$(if $(Q),echo "  BPF     $<")
	$(Q)clang -g -O2 -target bpf -D__TARGET_ARCH_x86 $(WARN) -Wno-unused-parameter \
		-I$(BUILD)/probes -Iprobes \
		-c $< -o $@

$(BUILD)/probes/kvm.skel.h: $(BUILD)/probes/kvm.bpf.o
	@$(if $(Q),echo "  SKEL    $@")
	$(Q)bpftool gen skeleton $< name kvm_bpf >$@.tmp && mv $@.tmp $@

# The configuration follows the installed packages: dpkg's database changes whenever a package
# is installed or removed (scripts/install-deps included), and the probe runs again.
DPKG_STATUS ?= $(wildcard /var/lib/dpkg/status)
$(BUILD)/config.mk: scripts/configure $(DPKG_STATUS)
	@mkdir -p $(BUILD)
	$(Q)sh scripts/configure $@

deps:
	$(Q)sh scripts/install-deps

$(BUILD)/%.o: %.c $(BUILD)/config.mk
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CFLAGS) -DVMSCOPE_VERSION='"$(VERSION)"' -c $< -o $@

$(BUILD)/libcore.a: $(CORE_OBJ) $(BUILD)/guests/builtin.o
	@$(if $(Q),echo "  AR      $@")
	$(Q)ar rcs $@ $^

# The guest kit (docs/guests.md): the guest kernel (ring 0: GUEST_CFLAGS), its tiny libc and
# the user programs (ring 3: ordinary optimisation, position-independent code linked at the
# user base), each program embedded in the kernel, the kernel embedded in vmscope.
GK_PROGS := $(shell sed -n 's/^PROGRAM.\([a-z0-9_]*\),.*/\1/p' guests/user/programs.def)
GK_HDRS := $(wildcard guests/kernel/*.h guests/kernel/*.def guests/libc/*.h guests/user/*.h \
	guests/user/*.def) $(wildcard abi/*.h)
GK_KOBJ := $(patsubst %.c,$(BUILD)/%.k.o,$(wildcard guests/kernel/*.c) guests/libc/fmt.c \
	guests/libc/str.c) \
	$(BUILD)/guests/kernel/entry.k.o $(BUILD)/guests/kernel/programs.k.o
GK_LIBC := $(patsubst %.c,$(BUILD)/%.u.o,$(wildcard guests/libc/*.c))
GK_UFLAGS := -std=gnu11 -O2 -g $(WARN) -ffreestanding -fpie -fno-stack-protector \
	-fcf-protection=none -fno-tree-loop-distribute-patterns -fno-asynchronous-unwind-tables
GK_ULDFLAGS := -nostdlib -static -no-pie -Wl,--build-id=none -Wl,-z,max-page-size=4096 \
	-Wl,-Ttext-segment=0x8000000000
GK_KFLAGS := $(GUEST_CFLAGS) -fno-asynchronous-unwind-tables

$(BUILD)/guests/%.k.o: guests/%.c $(GK_HDRS)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  KERNEL  $<")
	$(Q)$(CC) $(GK_KFLAGS) -c $< -o $@

$(BUILD)/guests/kernel/entry.k.o: guests/kernel/entry.S
	@mkdir -p $(dir $@)
	$(Q)$(CC) -c $< -o $@

$(BUILD)/guests/kernel/programs.k.o: guests/kernel/programs.S guests/user/programs.def \
		$(GK_PROGS:%=$(BUILD)/guests/bin/%)
	@mkdir -p $(dir $@)
	$(Q)$(CC) -c -Wa,-I,$(BUILD)/guests/bin $< -o $@

$(BUILD)/guests/kernel.elf: $(GK_KOBJ)
	@$(if $(Q),echo "  GUEST   $@")
	$(Q)$(CC) $(GK_KFLAGS) $(GUEST_LDFLAGS) -Wl,-z,max-page-size=4096 \
		-Wl,-Ttext-segment=0x100000 -o $@ $^

$(BUILD)/guests/%.u.o: guests/%.c $(GK_HDRS)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  USER    $<")
	$(Q)$(CC) $(GK_UFLAGS) -c $< -o $@

$(BUILD)/guests/user/tsx.u.o: GK_UFLAGS += -mrtm

$(BUILD)/guests/libc/crt0.u.o: guests/libc/crt0.S
	@mkdir -p $(dir $@)
	$(Q)$(CC) -c $< -o $@

$(BUILD)/guests/user/%.elf: $(BUILD)/guests/user/%.u.o $(BUILD)/guests/libc/crt0.u.o $(GK_LIBC)
	$(Q)$(CC) $(GK_UFLAGS) $(GK_ULDFLAGS) -Wl,-e,_start -o $@ $^

$(BUILD)/guests/bin/%: $(BUILD)/guests/user/%.elf
	@mkdir -p $(dir $@)
	$(Q)objcopy --strip-debug $< $@

.PRECIOUS: $(BUILD)/guests/%.u.o $(BUILD)/guests/user/%.elf

$(BUILD)/guests/hostcheck.elf: guests/hostcheck/hostcheck.c guests/lib/guest.h guests/lib/kern.h \
		$(wildcard abi/*.h)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  GUEST   $@")
	$(Q)$(CC) $(GUEST_CFLAGS) $(GUEST_LDFLAGS) -Wl,-Ttext-segment=0x100000 -o $@ $<

$(BUILD)/guests/builtin.o: guests/builtin.S $(BUILD)/guests/kernel.elf $(BUILD)/guests/hostcheck.elf
	$(Q)$(CC) -c -DKERNEL_ELF='"$(BUILD)/guests/kernel.elf"' \
		-DHOSTCHECK_ELF='"$(BUILD)/guests/hostcheck.elf"' $< -o $@

$(BUILD)/vmscope: $(CLI_OBJ) $(BUILD)/libcore.a
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

UNIT_CLI_OBJ := $(BUILD)/cli/opts.o $(BUILD)/cli/guest_cmd.o
$(BUILD)/tests/unit/%: tests/unit/%.c $(BUILD)/libcore.a $(UNIT_CLI_OBJ)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  TEST    $@")
	$(Q)$(CC) $(CFLAGS) -Icore -o $@ $< $(UNIT_CLI_OBJ) $(BUILD)/libcore.a $(LDFLAGS) \
		$(UNIT_LDFLAGS) -lcmocka $(LDLIBS)

# GEARS' capture mechanisms no host here runs, on fabricated exits: KVM's ioctls are faked
# by wrapping them at link time.
$(BUILD)/tests/unit/test_gears_capture $(BUILD)/tests/unit/test_step_tf: \
	UNIT_LDFLAGS := -Wl,--wrap=ioctl

$(BUILD)/tests/guest/%: tests/guest/%.c tests/guest/harness.h tests/guest/cli_harness.h \
		tests/guest/vmm_harness.h guests/lib/guest.h $(BUILD)/libcore.a
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  GTEST   $@")
	$(Q)$(CC) $(GTEST_CFLAGS) -Icore -o $@ $< $(BUILD)/libcore.a $(LDFLAGS) $(LDLIBS)

# bench_lttng: bench_trace.c's comparison with an LTTng-UST tracepoint, in a process of its
# own (with liblttng-ust when installed; without, it reports the comparison unavailable).
BENCH_BIN += $(BUILD)/bench/bench_lttng
ifeq ($(HAVE_LTTNG_UST),1)
BENCH_LTTNG_EXTRA := bench/lttng_tp.c
BENCH_LTTNG_FLAGS := -DHAVE_LTTNG_UST -Ibench $(shell pkg-config --cflags lttng-ust)
BENCH_LTTNG_LIBS := $(shell pkg-config --libs lttng-ust)
endif

$(BUILD)/bench/bench_lttng: bench/bench_trace.c bench/lttng_tp.c bench/lttng_tp.h \
		tests/guest/harness.h guests/lib/guest.h $(BUILD)/libcore.a
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  BENCH   $@")
	$(Q)$(CC) $(GTEST_CFLAGS) -DBENCH_LTTNG $(BENCH_LTTNG_FLAGS) -Icore -Itests/guest -o $@ \
		bench/bench_trace.c $(BENCH_LTTNG_EXTRA) $(BUILD)/libcore.a $(LDFLAGS) $(LDLIBS) \
		$(BENCH_LTTNG_LIBS)

$(BUILD)/bench/%: bench/%.c bench/bench.h bench/bench_pio_guest.h tests/guest/harness.h guests/lib/guest.h $(BUILD)/libcore.a
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  BENCH   $@")
	$(Q)$(CC) $(GTEST_CFLAGS) -Icore -Itests/guest -o $@ $< $(BUILD)/libcore.a $(LDFLAGS) $(LDLIBS)

unit-tests: $(UNIT_BIN)
guest-tests: $(GUEST_TEST_BIN)

check-deps:
	$(Q)sh scripts/install-deps

# Guests run natively where /dev/kvm is usable, otherwise inside the emulated SVM host
# (scripts/kvmhost, docs/hosts.md); KVMHOST=1 forces the emulated host, KVMHOST=0 forbids it.
ON_KVM = scripts/kvmhost --auto --share $(CURDIR) --timeout

test: check-deps
	$(Q)$(MAKE) --no-print-directory all unit-tests guest-tests
	$(Q)$(ON_KVM) 1500 -- sh tests/run-tests $(BUILD)

bench: check-deps
	$(Q)$(MAKE) --no-print-directory all $(BENCH_BIN) unit-tests guest-tests
	$(Q)sh bench/run-bench $(BUILD)

# make run: the built-in guest, traced to $(BUILD)/demo-trace (CTF: babeltrace2 that dir),
# then the trace's report.
run: check-deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)$(ON_KVM) 300 -- $(BUILD)/vmscope run --trace $(BUILD)/demo-trace
	@# The report of the trace (vmscope report: cli/cmd_report.c, analysis/).
	$(Q)$(BUILD)/vmscope report $(BUILD)/demo-trace

clean:
	rm -rf build build-san

-include $(CORE_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(UNIT_BIN:=.d) $(GUEST_TEST_BIN:=.d)
