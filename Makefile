# soma — `make run` builds and trains the default model, `make test` builds and runs the tests.
BUILD ?= build
JOBS  ?= 2
# make test-sanitize: the test suite under AddressSanitizer and UndefinedBehaviorSanitizer
# (docs/reliability.md), in its own build folder.
SANITIZE_BUILD ?= build-sanitize
SANITIZE_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
# make fuzz: every libFuzzer harness of fuzz/ (clang only), FUZZ_RUNS executions each.
FUZZ_BUILD ?= build-fuzz
FUZZ_RUNS  ?= 100000

# make bench: what only the comparison needs (docs/performance.md), installed before the build so
# that CMake finds dlib and builds soma-bench-dlib; never part of the core install or of make test.
BENCH_PACKAGES := python3-torch libdlib-dev libjemalloc2 libtcmalloc-minimal4

# make install PREFIX=...: headers, libraries, the soma command, find_package(soma) and soma.pc
# (docs/getting-started.md); make deb: the same as a Debian package, build/soma_<version>_<arch>.deb.
PREFIX ?= /usr/local

.PHONY: all deps build run test test-sanitize fuzz bench install deb clean

all: build

deps:
	@scripts/install-deps.sh

build: deps
	@cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

run: build
	$(BUILD)/bin/soma train

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

install: build
	cmake --install $(BUILD) --prefix $(PREFIX)

deb: build
	$(if $(CONTACT),@cmake -S . -B $(BUILD) "-DSOMA_PACKAGE_CONTACT=$(CONTACT)" >/dev/null)
	cd $(BUILD) && cpack -G DEB

test-sanitize: deps
	@cmake -S . -B $(SANITIZE_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release \
	  "-DCMAKE_CXX_FLAGS=$(SANITIZE_FLAGS)" "-DCMAKE_EXE_LINKER_FLAGS=$(SANITIZE_FLAGS)" >/dev/null
	@cmake --build $(SANITIZE_BUILD) -j $(JOBS)
	cd $(SANITIZE_BUILD) && UBSAN_OPTIONS=print_stacktrace=1 \
	  LSAN_OPTIONS=suppressions=$(CURDIR)/tests/sanitize/lsan.supp ctest --output-on-failure -j $(JOBS)

fuzz:
	@scripts/install-deps.sh fuzz
	@cmake -S . -B $(FUZZ_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER=clang++-14 -DSOMA_FUZZ=ON >/dev/null
	@cmake --build $(FUZZ_BUILD) -j $(JOBS) --target soma_fuzzers
	fuzz/run_all.sh $(FUZZ_BUILD)/bin $(FUZZ_RUNS)

bench:
	@scripts/install-deps.sh $(BENCH_PACKAGES)
	@$(MAKE) --no-print-directory build
	bench/run.sh

clean:
	rm -rf $(BUILD) $(SANITIZE_BUILD) $(FUZZ_BUILD)
