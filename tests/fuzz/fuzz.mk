# libFuzzer harnesses (tests/fuzz/fuzz_NAME.c), included by the Makefile: build/fuzz/fuzz_NAME with clang
# and libFuzzer, build/fuzz/replay_NAME with $(CC) (ASan + UBSan) and tests/fuzz/replay.c, which runs
# corpus files through the harness without libFuzzer. make fuzz FUZZ_S=N: each harness N seconds.
FUZZ_CC     ?= clang
FUZZ_S      ?= 60
FUZZ_NAMES  := $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BIN    := $(FUZZ_NAMES:%=$(BUILD)/fuzz/fuzz_%) $(FUZZ_NAMES:%=$(BUILD)/fuzz/replay_%)
FUZZ_SRC    := tests/fuzz/ref.c $(PURE_SRC)
FUZZ_DEP    := tests/fuzz/fuzz.h tests/fuzz/ref.h $(FUZZ_SRC) $(PURE_HDR) $(ISAL_DEP)

$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_DEP)
	@command -v $(FUZZ_CC) >/dev/null || { echo "uring-pi: $(FUZZ_CC) not found: the fuzz harnesses need clang" \
	  "and libclang-rt-14-dev; run scripts/deps.sh (as root)" >&2; exit 1; }
	@mkdir -p $(dir $@)
	$(FUZZ_CC) -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all $(WARN) $(ISAL_CPPFLAGS) \
	  -o $@ $< $(FUZZ_SRC) $(ISAL_LIBS)
$(BUILD)/fuzz/replay_%: tests/fuzz/fuzz_%.c tests/fuzz/replay.c $(FUZZ_DEP)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(SAN_FLAGS) $(WARN) $(ISAL_CPPFLAGS) -o $@ $< tests/fuzz/replay.c $(FUZZ_SRC) $(ISAL_LIBS)

.PHONY: fuzz clean-fuzz
fuzz: $(FUZZ_BIN)
	@FUZZ_S=$(FUZZ_S) tests/run.sh tests/fuzz/run.sh
clean: clean-fuzz
clean-fuzz:
	rm -rf $(BUILD)/fuzz
