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

# Guest code: freestanding, no SSE (KVM's emulator refuses most of it at ring 0), no red zone.
GUEST_CFLAGS := -std=gnu11 -O2 -g $(WARN) -ffreestanding -fno-pic -mgeneral-regs-only \
	-mno-red-zone -fno-stack-protector -fcf-protection=none -fno-tree-loop-distribute-patterns
GUEST_LDFLAGS := -nostdlib -static -no-pie -Wl,--build-id=none -Wl,-e,_start

# Tests that boot guests: the guest part runs from the test's own image, identity-mapped.
GTEST_CFLAGS := $(CFLAGS) -no-pie -fno-pie -mno-red-zone \
	-fno-stack-protector -fcf-protection=none -fno-tree-loop-distribute-patterns

CORE_SRC := $(wildcard core/*.c)
CLI_SRC := $(wildcard cli/*.c)
CORE_OBJ := $(CORE_SRC:%.c=$(BUILD)/%.o)
CLI_OBJ := $(CLI_SRC:%.c=$(BUILD)/%.o)
UNIT_SRC := $(wildcard tests/unit/test_*.c)
GUEST_TEST_SRC := $(wildcard tests/guest/test_*.c)
UNIT_BIN := $(UNIT_SRC:%.c=$(BUILD)/%)
GUEST_TEST_BIN := $(GUEST_TEST_SRC:%.c=$(BUILD)/%)
BENCH_BIN := $(BUILD)/bench/bench_pio

-include $(BUILD)/config.mk

.PHONY: all test bench run clean deps check-deps unit-tests guest-tests
all: $(BUILD)/vmscope

$(BUILD)/config.mk: scripts/configure
	@mkdir -p $(BUILD)
	$(Q)sh scripts/configure $@

deps:
	$(Q)sh scripts/install-deps

$(BUILD)/%.o: %.c $(BUILD)/config.mk
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CFLAGS) -DVMSCOPE_VERSION='"$(VERSION)"' -c $< -o $@

$(BUILD)/libcore.a: $(CORE_OBJ)
	@$(if $(Q),echo "  AR      $@")
	$(Q)ar rcs $@ $^

$(BUILD)/guests/demo.elf: guests/demo/demo.c guests/lib/guest.h core/layout.h core/ucall.h
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  GUEST   $@")
	$(Q)$(CC) $(GUEST_CFLAGS) $(GUEST_LDFLAGS) -Wl,-Ttext-segment=0x100000 -o $@ $<

$(BUILD)/guests/builtin.o: guests/builtin.S $(BUILD)/guests/demo.elf
	$(Q)$(CC) -c -DDEMO_ELF='"$(BUILD)/guests/demo.elf"' $< -o $@

$(BUILD)/vmscope: $(CLI_OBJ) $(BUILD)/guests/builtin.o $(BUILD)/libcore.a
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/unit/%: tests/unit/%.c $(BUILD)/libcore.a $(BUILD)/cli/opts.o
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  TEST    $@")
	$(Q)$(CC) $(CFLAGS) -Icore -o $@ $< $(BUILD)/cli/opts.o $(BUILD)/libcore.a $(LDFLAGS) \
		-lcmocka $(LDLIBS)

$(BUILD)/tests/guest/%: tests/guest/%.c tests/guest/harness.h guests/lib/guest.h $(BUILD)/libcore.a
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  GTEST   $@")
	$(Q)$(CC) $(GTEST_CFLAGS) -Icore -o $@ $< $(BUILD)/libcore.a $(LDFLAGS) $(LDLIBS)

$(BUILD)/bench/%: bench/%.c tests/guest/harness.h guests/lib/guest.h $(BUILD)/libcore.a
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  BENCH   $@")
	$(Q)$(CC) $(GTEST_CFLAGS) -Icore -Itests/guest -o $@ $< $(BUILD)/libcore.a $(LDFLAGS) $(LDLIBS)

unit-tests: $(UNIT_BIN)
guest-tests: $(GUEST_TEST_BIN)

check-deps:
	$(Q)sh scripts/install-deps

test: check-deps
	$(Q)$(MAKE) --no-print-directory all unit-tests guest-tests
	$(Q)sh tests/run-tests $(BUILD)

bench: check-deps
	$(Q)$(MAKE) --no-print-directory $(BENCH_BIN)
	$(Q)sh bench/run-bench $(BUILD)

run: check-deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)$(BUILD)/vmscope run --stats

clean:
	rm -rf build build-san

-include $(CORE_OBJ:.o=.d) $(CLI_OBJ:.o=.d)
