# dangliang — one non-recursive Makefile.
#   make            build/libdangliang.a and build/dangliang
#   make check      install missing Debian packages, build, run every test
#   make SAN=1 check  the same under ASan+UBSan (objects in build/san/)
#   make CC=clang   build with clang (check also compiles everything with clang)
#   make demo       build quietly in parallel, generate the sample log, run the bundled scheme
#   make bench      benchmarks (not part of check)
#   make install    the program, man page and bash completion under $(DESTDIR)$(PREFIX)
#   V=1             show full compiler command lines (quiet `CC file` lines by default)
#   make scanbench  the CSV scanner's micro-benchmark (one thread, GB/s per core)
# Sources are found by wildcard: engine/<module>/*.c make the library,
# engine/cli/*.c the program, tests/unit/test_*.c one Criterion binary each.

CC       ?= gcc
PKGS     := glib-2.0 jansson zlib
# libxlsxwriter: only the tests' oracle of the workbook writer links it
# (tests/xlsx/xlsx_oracle.c); the engine writes the workbook itself.
ORACLE_LIBS := $(shell pkg-config --libs xlsxwriter 2>/dev/null)
SAN      ?= 0
BUILD    := build
ifeq ($(SAN),1)
BUILD    := build/san
SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
endif
OPT      ?= -O2
CFLAGS   := -std=c11 -D_GNU_SOURCE $(OPT) -g -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
            -Wpedantic -fopenmp $(SANFLAGS) -Iinclude -Iengine $(shell pkg-config --cflags $(PKGS) 2>/dev/null) \
            $(shell pkg-config --cflags xlsxwriter 2>/dev/null)
LDLIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -fopenmp -lm
LDFLAGS  := $(SANFLAGS)

# The build commit, shown by `dangliang -V` and recorded in manifest.json.
# Outside a git checkout (a tarball) it is "unknown" unless COMMIT=... is given.
COMMIT   ?= $(shell [ -e .git ] && git describe --always --dirty 2>/dev/null)
ifeq ($(strip $(COMMIT)),)
COMMIT   := unknown
endif

PREFIX   ?= /usr/local
DESTDIR  ?=
BINDIR   := $(DESTDIR)$(PREFIX)/bin
MANDIR   := $(DESTDIR)$(PREFIX)/share/man/man1
COMPDIR  := $(DESTDIR)$(PREFIX)/share/bash-completion/completions

# Quiet rules: `CC engine/x.c`; V=1 prints the full command lines.
V        ?= 0
ifeq ($(V),1)
Q        :=
say      := @true
else
Q        := @
say      := @printf '  %-6s %s\n'
endif

# MPI (docs/scale.md, "Running on a cluster"): built in when mpicc is found
# (Open MPI: --showme gives its flags), else a one-process stub; NO_MPI=1
# builds the stub anyway.  Only engine/mpi/dgmpi.c includes <mpi.h>.
NO_MPI   ?= 0
ifneq ($(NO_MPI),1)
MPI_LIBS := $(shell mpicc --showme:link 2>/dev/null)
endif
ifneq ($(strip $(MPI_LIBS)),)
MPI_INC  := $(patsubst -I%,-isystem %,$(shell mpicc --showme:compile 2>/dev/null))
MPI_OUT  := engine/mpi/dgmpi_stub.c
LDLIBS   += $(MPI_LIBS)
else
MPI_OUT  := engine/mpi/dgmpi.c
endif

LIB_SRC  := $(sort $(filter-out engine/cli/% $(MPI_OUT),$(wildcard engine/*/*.c)))
CLI_SRC  := $(sort $(wildcard engine/cli/*.c))
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
CLI_OBJ  := $(CLI_SRC:%.c=$(BUILD)/obj/%.o)
LIB      := $(BUILD)/libdangliang.a
BIN      := $(BUILD)/dangliang

UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BIN := $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/fuzz/%)

# robust: inputs that are FIFOs, stdin, huge records, gzip bombs (tests/robust/)
.PHONY: all check xlsx-oracle check-build check-clang robust deps demo bench scanbench clean unit fuzz-replay golden crosscheck scale mpi safety install install-test FORCE

all: $(LIB) $(BIN)

deps:
	@scripts/install-deps.sh

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(say) CC $<
	$(Q)$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

# Only cli_version.o sees the commit; it is rebuilt when the commit changes.
$(BUILD)/commit.txt: FORCE
	@mkdir -p $(dir $@)
	@echo '$(COMMIT)' | cmp -s - $@ || echo '$(COMMIT)' > $@
$(BUILD)/obj/engine/cli/cli_version.o: $(BUILD)/commit.txt
$(BUILD)/obj/engine/cli/cli_version.o: CFLAGS += -DDG_BUILD_COMMIT='"$(COMMIT)"'

$(BUILD)/obj/engine/mpi/dgmpi.o: CFLAGS += $(MPI_INC)

$(LIB): $(LIB_OBJ)
	@mkdir -p $(dir $@)
	$(say) AR $@
	$(Q)rm -f $@ && ar rcs $@ $^

$(BIN): $(CLI_OBJ) $(LIB)
	$(say) LINK $@
	$(Q)$(CC) $(LDFLAGS) -o $@ $(CLI_OBJ) $(LIB) $(LDLIBS)

$(BUILD)/tests/%: tests/unit/%.c $(LIB)
	@mkdir -p $(dir $@)
	$(say) CC $<
	$(Q)$(CC) $(CFLAGS) -Itests -MMD -MP -o $@ $< $(TEST_OBJ) $(LIB) $(LDFLAGS) $(LDLIBS) $(TEST_LIBS) -lcriterion

# The workbook writer's oracle: libxlsxwriter as the engine used it before
# (tests/xlsx/).  test_xlsxout links it; dangliang-lxw is the program with
# the oracle in place of the writer, for `make xlsx-oracle`.
ORACLE_OBJ := $(BUILD)/obj/tests/xlsx/xlsx_oracle.o
ORACLE_BIN := $(BUILD)/tests/dangliang-lxw
$(BUILD)/tests/test_xlsxout: $(ORACLE_OBJ)
$(BUILD)/tests/test_xlsxout: TEST_OBJ := $(ORACLE_OBJ)
$(BUILD)/tests/test_xlsxout: TEST_LIBS := $(ORACLE_LIBS)
$(ORACLE_BIN): $(CLI_OBJ) $(ORACLE_OBJ) $(BUILD)/obj/tests/xlsx/oracle_main.o $(LIB)
	@mkdir -p $(dir $@)
	$(say) LINK $@
	$(Q)$(CC) $(LDFLAGS) -o $@ $(CLI_OBJ) $(ORACLE_OBJ) $(BUILD)/obj/tests/xlsx/oracle_main.o $(LIB) $(LDLIBS) $(ORACLE_LIBS)

# every golden case's workbook written by both writers, compared byte for byte
xlsx-oracle: $(BIN) $(ORACLE_BIN)
	@tests/xlsx/oracle.sh $(BIN) $(ORACLE_BIN)

$(BUILD)/fuzz/%: tests/fuzz/%.c tests/fuzz/replay_main.c $(LIB)
	@mkdir -p $(dir $@)
	$(say) CC $<
	$(Q)$(CC) $(CFLAGS) -o $@ $< tests/fuzz/replay_main.c $(LIB) $(LDFLAGS) $(LDLIBS)

# the micro-benchmarks of make bench, compiled by check so they keep up with the engine
BENCH_TOOLS := $(BUILD)/bench/bound_bench $(BUILD)/bench/scan_bench $(BUILD)/bench/keysort_bench

check-build: $(LIB) $(BIN) $(UNIT_BIN) $(FUZZ_BIN) $(BENCH_TOOLS) $(ORACLE_BIN)

unit: $(UNIT_BIN)
	@set -e; for t in $(UNIT_BIN); do echo "== $$t"; $$t --jobs 2; done

fuzz-replay: $(FUZZ_BIN)
	@set -e; for f in $(FUZZ_BIN); do n=$$(basename $$f); n=$${n#fuzz_}; \
	  echo "== replay $$n"; $$f tests/fuzz/corpus/$$n; done

golden: $(BIN)
	@tests/golden/run.sh $(BIN)

# the run folder under interruption, full disk, concurrency and planted
# symlinks; overflowing sums, terminal escapes and non-UTF-8 paths
safety: $(BIN)
	@tests/safety/run_folder_test.sh $(BIN) && tests/safety/inputs_test.sh $(BIN)

# The other compiler: `make check` compiles the library, the CLI, the unit
# tests and the fuzz targets with clang too (objects in build/clang/), so a
# GCC-only construct fails CI.  Skipped, with a note, when clang is absent.
check-clang:
	@if command -v clang >/dev/null 2>&1; then \
	  echo "== compile with clang"; \
	  $(MAKE) --no-print-directory CC=clang SAN=0 BUILD=build/clang check-build >/dev/null; \
	else echo "== clang not installed: skipping the clang build"; fi

robust: $(BIN)
	@tests/robust/inputs_test.sh $(BIN) $(BUILD)

crosscheck: $(BIN)
	@if [ -x tests/crosscheck.sh ]; then tests/crosscheck.sh $(BIN) $(BUILD); fi

# spilled runs (--memory far below the data) against in-memory runs (docs/scale.md)
scale: $(BIN)
	@tests/scale.sh $(BIN) $(BUILD)

# mpirun -np 1..4 against the one-process run (docs/scale.md, "Running on a cluster")
mpi: $(BIN)
	@tests/mpi.sh $(BIN) $(BUILD)

# `check` installs missing packages first, then re-enters make so pkg-config
# flags are read after the install.
# Each phase reports its time; the browser and LibreOffice tests are the slow ones.
check:
	@scripts/install-deps.sh
	@$(MAKE) --no-print-directory SAN=$(SAN) check-build
	@scripts/timed.sh "unit, fuzz replay, golden, workbook oracle, safety, crosscheck, robust inputs, scale, mpi" $(MAKE) --no-print-directory SAN=$(SAN) unit fuzz-replay golden xlsx-oracle safety crosscheck robust scale mpi
	@scripts/timed.sh "clang build" $(MAKE) --no-print-directory check-clang
	@scripts/timed.sh "install, help, man page and completion" $(MAKE) --no-print-directory SAN=$(SAN) install-test
	@scripts/timed.sh "browser and LibreOffice tests" tests/browser/report_test.sh $(BIN) $(BUILD)
	@echo "dangliang: all checks passed"

# make install into a scratch DESTDIR, then help, man page and completion agree
install-test: $(BIN)
	@tests/install_test.sh $(BIN) $(BUILD)

install: $(BIN)
	install -d $(BINDIR) $(MANDIR) $(COMPDIR)
	install -m 755 $(BIN) $(BINDIR)/dangliang
	install -m 644 docs/dangliang.1 $(MANDIR)/dangliang.1
	install -m 644 scripts/dangliang.bash-completion $(COMPDIR)/dangliang

# The demo builds quietly with one job per core, then shows the result.
demo:
	@scripts/install-deps.sh
	@$(MAKE) --no-print-directory -j$$(nproc 2>/dev/null || echo 2) all
	@scripts/demo.sh $(BIN)

bench:
	@scripts/install-deps.sh
	@$(MAKE) --no-print-directory all $(BENCH_TOOLS)
	@benchmarks/run.sh $(BIN)

$(BUILD)/bench/%: benchmarks/%.c $(LIB)
	@mkdir -p $(dir $@)
	$(say) CC $<
	$(Q)$(CC) $(CFLAGS) -o $@ $< $(LIB) $(LDFLAGS) $(LDLIBS)

scanbench: $(BUILD)/bench/scan_bench
	$(BUILD)/bench/scan_bench $(SCANBENCH_ARGS)

clean:
	rm -rf build

-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(UNIT_BIN:=.d) $(ORACLE_OBJ:.o=.d)
