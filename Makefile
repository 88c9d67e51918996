# actlab -- the two front-door commands:  make tour  |  make test
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
TOUR_DIR ?= actlab-report

.PHONY: tour test install test-deps bench lint clean

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

bench: install
	$(BIN)/actlab bench

clean:
	rm -rf $(VENV) build src/*.egg-info $(TOUR_DIR)
