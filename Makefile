# One command to set up and run, one to set up and test. Both create .venv when missing and are quick
# when it is already installed. Running needs only the runtime dependencies; the test extras (which
# compile llama-cpp-python, minutes on a laptop) are added by `make test` alone. Each stamp tracks
# pyproject.toml, so a changed dependency list reinstalls.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
RUNTIME := $(VENV)/.installed-runtime
TESTING := $(VENV)/.installed-test
export HF_HUB_OFFLINE := 1
export GRADIO_ANALYTICS_ENABLED := False
export ANONYMIZED_TELEMETRY := False

.PHONY: install install-test run test lint clean

$(RUNTIME): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	# the CPU wheel first, so nothing pulls a multi-GB CUDA build
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -e .
	touch $(RUNTIME)

# llama-cpp-python (the tests' real LLM server) compiles from source. Built with -march=native it crashes in
# decode on CPUs with AMX (Intel Sapphire Rapids and later), so it is built for AVX2, which any x86-64 of the
# last decade runs; --no-cache-dir keeps pip from reusing a native wheel it cached earlier.
LLAMA_CMAKE_ARGS := -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON

$(TESTING): $(RUNTIME)
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(PY) -m pip install -q --no-cache-dir 'llama-cpp-python[server]>=0.3.16'
	$(PY) -m pip install -q -e '.[test]'
	touch $(TESTING)

install: $(RUNTIME)

install-test: $(TESTING)

run: install
	$(PY) app.py

# The store, ingest and API tests run twice: on the embedded store, then on a real `chroma run` server.
SERVER_TESTS := tests/test_store.py tests/test_core.py tests/test_api.py tests/test_replicas.py

test: install-test
	$(PY) -m ruff check .
	$(VENV)/bin/lint-imports
	$(PY) -m mypy assistant/
	$(PY) -m pytest
	$(PY) -m tests.chroma_server $(PY) -m pytest -q $(SERVER_TESTS)

clean:
	rm -rf $(VENV) data .pytest_cache
