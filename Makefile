# The two commands of the README, over CMake. `make` builds; `make demo`
# runs the CPU scene; `make test` runs every test, then the sanitizer and
# fuzz build of the unit tests.

BUILD ?= build
ASAN_BUILD ?= build-asan
JOBS ?= $(shell nproc)

.PHONY: all deps build demo test test-main test-asan bench clean

all: build

deps:
	@scripts/deps

build:
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

demo: deps build
	@scripts/demo $(BUILD)

test: deps
	@$(MAKE) --no-print-directory test-main test-asan

test-main: build
	@cd $(BUILD) && ctest --output-on-failure -j 1

test-asan:
	@cmake -S . -B $(ASAN_BUILD) -DCMAKE_C_COMPILER=clang \
		-DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=Debug \
		-DTRIAGE_SANITIZE=ON -DTRIAGE_FUZZ=ON >/dev/null
	@cmake --build $(ASAN_BUILD) -j $(JOBS)
	@cd $(ASAN_BUILD) && ctest --output-on-failure -L 'unit|fuzz'

bench: build
	@bench/run-all $(BUILD)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)
