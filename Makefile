# uring-pi: `make` builds the engine, `make check` runs every test, `make run` the main job.
-include config.mk

BUILD   := build
CFLAGS  ?= -O2 -g
WARN    := -Wall -Wextra -Wno-unused-parameter -Wno-sign-compare -Wno-missing-field-initializers
ifeq ($(ISAL_PREFIX),)
ISAL_CPPFLAGS :=
ISAL_LIBS     := -lisal
ISAL_DEP      :=
else
ISAL_CPPFLAGS := -I$(ISAL_PREFIX)/include
ISAL_LIBS     := $(ISAL_PREFIX)/lib/libisal.a
ISAL_DEP      := $(ISAL_PREFIX)/lib/libisal.a
endif
FIO     := $(FIO_DIR)/fio
ENGINE  := engines/uring_pi.so
PURE_SRC := engines/pi.c engines/sqe.c engines/profile.c engines/opts.c
PURE_HDR := engines/pi.h engines/sqe.h engines/profile.h engines/uapi.h engines/opts.h
UNIT    := $(BUILD)/tests/test_pi $(BUILD)/tests/test_sqe $(BUILD)/tests/test_profile $(BUILD)/tests/test_opts
# libFuzzer harnesses (make fuzz) and ASan + UBSan builds (SANITIZE=1, into build/asan/); their rules
# come first in the file, so the default goal is named.
.DEFAULT_GOAL := all
include tests/fuzz/fuzz.mk tests/san.mk

.PHONY: all deps run check check-unit check-host check-vm check-full kernels-background lint patches-check bench compare soak clean distclean
all: $(ENGINE)

config.mk: configure
	./configure

deps:
	scripts/deps.sh

# The main job: KERNEL=patched|stock|mainline|distro|PATH DEVICE=nvme-512-8-t1 JOB=jobs/...
run:
	scripts/run.sh

ifneq ($(ISAL_PREFIX),)
# Built when missing (the scripts check versions themselves; make distclean rebuilds).
$(ISAL_PREFIX)/lib/libisal.a:
	scripts/isal.sh
endif

ifeq ($(FIO_PINNED),yes)
$(FIO): | $(ISAL_DEP)
	ISAL_PREFIX=$(ISAL_PREFIX) scripts/fio.sh
endif

# The build-id of the fio binary the engine is built for (checked at load time).
$(BUILD)/fio-build-id.h: $(FIO)
	@mkdir -p $(BUILD)
	@id=$$(readelf -n $(FIO) | awk '/Build ID/ {print $$3}'); \
	  [ -n "$$id" ] || { echo "uring-pi: $(FIO) has no GNU build-id; rebuild fio with a linker that writes one" >&2; exit 1; }; \
	  echo "#define UPI_FIO_BUILD_ID \"$$id\"" > $@

# Built as fio builds its own sources: same config-host.h, same defines.
FIO_CPPFLAGS := -D_GNU_SOURCE -D_LARGEFILE_SOURCE -D_FILE_OFFSET_BITS=64 -DFIO_INTERNAL \
  -include $(FIO_DIR)/config-host.h -I$(FIO_DIR)

# Only `ioengine` is exported into fio's process: the engine's own symbols are hidden, and so are
# those of the static isa-l (--exclude-libs); tests/host/exports.sh checks it.
$(ENGINE): engines/uring_pi.c $(PURE_SRC) $(PURE_HDR) $(BUILD)/fio-build-id.h $(ISAL_DEP) config.mk
	$(CC) $(CFLAGS) $(WARN) -fPIC -shared -fvisibility=hidden -Wl,--exclude-libs,ALL $(FIO_CPPFLAGS) \
	  -include $(BUILD)/fio-build-id.h $(ISAL_CPPFLAGS) -o $@ engines/uring_pi.c $(PURE_SRC) $(ISAL_LIBS) -luring

$(BUILD)/tests/%: tests/unit/%.c tests/unit/check.h $(PURE_SRC) $(PURE_HDR) $(ISAL_DEP)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(WARN) $(ISAL_CPPFLAGS) -o $@ $< $(PURE_SRC) $(EXTRA_SRC) $(ISAL_LIBS)
$(BUILD)/tests/test_pi: EXTRA_SRC := bench/crc_multi.c
$(BUILD)/tests/test_pi: bench/crc_multi.c bench/crc_multi.h

# The arithmetic benchmark, beside isa-l's bare CRC and fio's own PI helpers (pinned tree).
FIO_PI_SRC := $(FIO_DIR)/engines/nvme.c $(FIO_DIR)/crc/crct10dif_common.c $(FIO_DIR)/crc/crc64.c
# bench/crc_multi.c: a batched CRC16 measured against the engine's loop (tested with test_pi).
$(BUILD)/bench/pi_bench: bench/pi_bench.c bench/crc_multi.c bench/crc_multi.h engines/pi.c engines/pi.h $(FIO) $(ISAL_DEP)
	@mkdir -p $(dir $@)
	$(CC) -O2 -g -w $(FIO_CPPFLAGS) $(ISAL_CPPFLAGS) -o $@ bench/pi_bench.c bench/crc_multi.c engines/pi.c $(FIO_PI_SRC) $(ISAL_LIBS)

bench: $(BUILD)/bench/pi_bench
	{ $(BUILD)/bench/pi_bench; echo; echo "instructions per 4 KiB I/O (callgrind):"; bench/instr.sh $(BUILD)/bench/pi_bench; } | tee $(BUILD)/bench.txt

# Kernels compared on the jobs of jobs/perf/ (KERNELS=, DEVICE=, REPEAT=, OUT=, HOSTS=...: see compare/compare.sh).
compare: $(ENGINE) $(FIO)
	compare/compare.sh

# The kernel ABI test, run in guests (tests/vm/).
$(BUILD)/tests/pi_abi_test: tests/kabi/pi_abi_test.c tests/unit/check.h $(PURE_SRC) $(PURE_HDR) $(ISAL_DEP)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(WARN) $(ISAL_CPPFLAGS) -o $@ $< $(PURE_SRC) $(ISAL_LIBS) -luring

# LD_PRELOAD shim for the guest cases: reads completed short (tests/vm/cases.sh).
$(BUILD)/tests/short_read.so: tests/vm/short_read.c engines/uapi.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(WARN) -fPIC -shared -o $@ $< -ldl

check-unit: $(UNIT) $(SAN_UNIT)
	@tests/run.sh $(UNIT) $(SAN_UNIT)

check-host: $(ENGINE) $(SAN_ENGINE) $(BUILD)/tests/short_read.so
	@tests/run.sh tests/host/*.sh tests/bad-input.sh

# shellcheck on every shell script (.shellcheckrc), checkpatch.pl --no-tree -f on engines/ (tests/lint.sh).
# checkpatch rules left out, as they do not fit a user-space fio engine:
#   SPLIT_STRING: the engine's messages are whole sentences (what is wrong, what to do) longer than a
#     line, split at word boundaries as fio's own sources split theirs;
#   PREFER_DEFINED_ATTRIBUTE_MACRO: __always_inline and the like are kernel macros; user space has
#     __attribute__((...)) only;
#   ARRAY_SIZE: a kernel macro too; the engine's pure files (pi.c, profile.c) include no fio header.
export CHECKPATCH_IGNORE := SPLIT_STRING,PREFER_DEFINED_ATTRIBUTE_MACRO,ARRAY_SIZE
lint:
	@tests/lint.sh

# The guests: kernels (built on first use), launcher smoke test, kernel ABI test, PI matrix,
# make compare's threshold rule, every job file of jobs/, trims, a soak, planted defects (the tests
# fail where they must). They run two at a time (each waits for the kernels it boots); kabi.sh
# first, as it waits longest: for the debug kernel.
VM_TESTS := tests/vm/kabi.sh tests/vm/matrix.sh tests/vm/compare.sh tests/vm/jobs.sh tests/vm/trim.sh \
  tests/vm/soak.sh tests/vm/smoke.sh tests/vm/planted.sh
# The kernels they boot, built one after the other in the background from the start of the run
# (log: build/kernels.log) while the host tests run. make check: Debian's prebuilt 7.x (distro) and
# 6.12 (debian-6.12) stand for mainline and stock; make check-full (FULL=1) builds those too.
CHECK_KERNELS := distro debian-6.12 patched patched-debug
FULL_KERNELS  := $(CHECK_KERNELS) stock patched-slow mainline
# The kernel builds are the longest chain of the run (patched, then patched-debug, then its guest):
# the tests, which fill the time around them, give way to them (NICE).
NICE := nice -n 10
# The tests' guests have one vCPU: make check runs three or four guests beside the kernel builds on two
# cores, where a 2-vCPU TCG guest whose other vCPU is descheduled spins. Measured: three guests side by
# side, each the 28 matrix cases on nvme-512-8-t1: 183 CPU-seconds and 94 s with 2 vCPUs, 111 and 58 s
# with 1. The debug kernel's guest keeps 2 (tests/vm/kabi.sh): lockdep and KASAN want concurrency.
check check-vm check-full: export URING_PI_QEMU_SMP ?= 1
kernels-background:
	@mkdir -p $(BUILD)
	@(for k in $(if $(FULL),$(FULL_KERNELS),$(CHECK_KERNELS)); do vm/kernel.sh $$k || exit 1; done) \
	  >$(BUILD)/kernels.log 2>&1 </dev/null &
# CASES=, KERNELS=, DEVICES= (any of them): only the matrix's cases they select (tests/vm/matrix.sh).
check-vm: $(ENGINE) $(BUILD)/tests/pi_abi_test $(BUILD)/tests/short_read.so
	@tests/run.sh -j 2 $(if $(CASES)$(KERNELS)$(DEVICES),tests/vm/matrix.sh,$(VM_TESTS))

# Every property the project tests, each at least once, in a budget (docs/harness.md: what runs
# where, and the time of each test); the last line is "N passed, N failed".
check: kernels-background $(UNIT) $(SAN_UNIT) $(ENGINE) $(SAN_ENGINE) $(FUZZ_BIN) $(BUILD)/tests/pi_abi_test \
  $(BUILD)/tests/short_read.so
	@$(NICE) tests/run.sh tests/lint.sh $(UNIT) $(SAN_UNIT) tests/host/*.sh tests/fuzz/run.sh -j 2 $(VM_TESTS) \
	  -j 1 tests/bad-input.sh

# Bad input, counted: the tests record every bad input they try (tests/lib.sh, build/bad-input/);
# tests/bad-input.sh, last in check and check-host, tables them in build/bad-input.md and fails on a
# refusal that is not one line with a non-zero exit, or that wrote. This refreshes docs/bad-input.md.
.PHONY: bad-input-doc docs
# The docs' tables made from the project's data (docs/harness.md's devices from vm/devices).
docs:
	@scripts/docs.sh

bad-input-doc:
	@tests/bad-input.sh docs/bad-input.md

# The cross product: every case on every device, kernel and ABI; stock, mainline and patched-slow too.
check-full: export FULL := 1
check-full: kernels-background $(ENGINE) $(BUILD)/tests/pi_abi_test $(BUILD)/tests/short_read.so
	@$(NICE) tests/run.sh -j 2 $(VM_TESTS)

# The soak for DURATION (make check runs 1 minute of it): SOAK_DEVICE=, SOAK_SIZE= (tests/vm/soak.sh).
DURATION ?= 10m
soak: $(ENGINE) $(FIO)
	@tests/vm/soak.sh $(DURATION)

# The kernel series, patch by patch: applies, builds, checkpatch --strict; the result boots.
patches-check: $(BUILD)/tests/pi_abi_test
	kernel-patches/check.sh

clean:
	rm -rf $(ENGINE) $(BUILD)/tests $(BUILD)/bench $(BUILD)/fio-build-id.h

distclean: clean
	rm -rf $(BUILD) config.mk
