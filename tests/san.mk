# ASan + UBSan builds, included by the Makefile. With SANITIZE=1 the ordinary rules build the unit tests
# and the engine into build/asan/ (build/asan/tests/test_*, build/asan/uring_pi.so) with SAN_FLAGS;
# without it, those targets are made by one SANITIZE=1 make. The engine runs inside the plain fio with
# the runtime preloaded (tests/lib.sh, tests/host/engine-asan.sh).
SAN_FLAGS  := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
SAN_DIR    := $(BUILD)/asan
SAN_UNIT   := $(UNIT:$(BUILD)/%=$(SAN_DIR)/%)
SAN_ENGINE := $(SAN_DIR)/uring_pi.so
ifeq ($(SANITIZE),1)
BUILD  := $(SAN_DIR)
ENGINE := $(SAN_ENGINE)
UNIT   := $(SAN_UNIT)
SAN_UNIT :=
SAN_ENGINE :=
override CFLAGS += $(SAN_FLAGS)
else
$(SAN_UNIT) $(SAN_ENGINE): san-build ;
san-build:
	@$(MAKE) --no-print-directory SANITIZE=1 $(SAN_UNIT) $(SAN_ENGINE)
endif
.PHONY: san-build clean-san
clean: clean-san
clean-san:
	rm -rf $(SAN_DIR)
