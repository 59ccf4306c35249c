# The two commands of README.md: `make run` and `make test`. Each installs what it needs.
SWIFT ?= swift
# Debian packages the build and tests need beyond the Swift toolchain: the Go Starlark
# implementation's test files, which the conformance tests run through Corral, and mimalloc,
# the allocator the corral executable is linked with, SQLite for the store, libffi for
# native plugins, python3 for the samples' loopback APIs (samples/apis.py) and the API fuzzer
# (which installs schemathesis from PyPI itself), curl for samples/try-service and the fuzzer.
DEB_PACKAGES := golang-starlark-dev libmimalloc-dev libsqlite3-dev libffi-dev python3 curl

.PHONY: setup build run test bench opcodes clean

setup:
	@command -v $(SWIFT) >/dev/null || { echo "make: swift not found (expected at /opt/swift/usr/bin)"; exit 1; }
	@missing=""; for p in $(DEB_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq $$missing; \
		else sudo apt-get update -qq && sudo apt-get install -y -qq $$missing; fi; \
	fi

# The Swift runtime linked in (--static-swift-stdlib): runtime calls such as swift_retain are
# direct calls, nothing to look up at start, and the binary needs no Swift libraries where it
# runs (Benchmarks/README.md, "The allocator and the runtime").
build: setup
	$(SWIFT) build -c release --product corral --static-swift-stdlib

# The main job on the embedded default: the host service on 127.0.0.1:8080 with ./corral.db
# (an SQLite file, no other services). In another terminal, samples/try-service starts a
# sample agent against it. Ctrl-C (or SIGTERM) drains and stops it.
run: build
	.build/release/corral serve --db corral.db

# The Swift tests, then the API fuzzer (schemathesis, from PyPI) against a live server.
test: setup
	$(SWIFT) build --build-tests
	$(SWIFT) test
	Tests/APIFuzz/run

bench: setup
	Benchmarks/run

# Regenerate the committed opcode reference from the opcode table.
opcodes:
	$(SWIFT) run corral opcodes > bytecode/OPCODES.md

clean:
	rm -rf .build
