# Thin wrapper over CMake presets. `make run` and `make test` are the two commands of the README:
# each installs what is missing, configures, builds, then does its job.
JOBS ?= 2
FUZZ_SECONDS ?= 60
CLI_RELEASE := build/release/src/cli/outpools

.PHONY: deps build run test test-asan test-tsan test-fuzz fuzz bench format format-check clean

deps:
	@bash scripts/install-deps

build: deps
	cmake --preset dev >/dev/null
	cmake --build --preset dev -j $(JOBS)

run:
	@bash scripts/install-deps run
	cmake --preset release >/dev/null
	cmake --build --preset release -j $(JOBS) --target outpools_cli
	bash scripts/run-quickstart $(CLI_RELEASE)

test: deps format-check test-asan test-tsan test-fuzz

test-asan:
	cmake --preset asan >/dev/null
	cmake --build --preset asan -j $(JOBS)
	ctest --test-dir build/asan -L 'unit|integration' --output-on-failure -j $(JOBS)

test-tsan:
	cmake --preset tsan >/dev/null
	cmake --build --preset tsan -j $(JOBS)
	TSAN_OPTIONS=halt_on_error=1 ctest --test-dir build/tsan -L unit --output-on-failure -j $(JOBS)

test-fuzz:
	cmake --preset fuzz >/dev/null
	cmake --build --preset fuzz -j $(JOBS) --target fuzz_targets
	ctest --test-dir build/fuzz -L fuzz --output-on-failure

fuzz: deps
	cmake --preset fuzz >/dev/null
	cmake --build --preset fuzz -j $(JOBS) --target fuzz_targets
	bash tests/fuzz/run-fuzzers build/fuzz $(FUZZ_SECONDS)

bench: deps
	cmake --preset release >/dev/null
	cmake --build --preset release -j $(JOBS)
	ctest --test-dir build/release -L bench --output-on-failure -V

format:
	git ls-files '*.cpp' '*.hpp' | xargs clang-format -i

format-check:
	@git ls-files '*.cpp' '*.hpp' | xargs clang-format --dry-run --Werror
	@echo "format: ok"

clean:
	rm -rf build
