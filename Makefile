# The two commands a new user types: `make run` and `make check`.
# Everything else is a step they call.
DATA ?= var
LISTEN ?= 127.0.0.1:8080

.PHONY: run check deps build release asan test test-asan bench clean

run: deps release
	./build/release/livecomply serve --listen $(LISTEN) --data $(DATA) --demo

check: deps build asan
	ctest --preset debug
	ctest --preset asan-ubsan

deps:
	@./scripts/install-deps.sh

build:
	cmake --preset debug >/dev/null
	cmake --build --preset debug

release:
	cmake --preset release >/dev/null
	cmake --build --preset release

asan:
	cmake --preset asan-ubsan >/dev/null
	cmake --build --preset asan-ubsan

bench: deps release
	./bench/gate/run.sh

clean:
	rm -rf build
