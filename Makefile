# The README is the single source of the commands; these targets are what it shows.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
WEB_CONCURRENCY ?= 1

LOCK := constraints.txt

.PHONY: run test bench lint browser nginx install dev lock

# Runtime install at the versions in the lock, redone only when pyproject.toml or the lock change.
$(BIN)/.installed: pyproject.toml $(LOCK)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip -c $(LOCK)
	$(BIN)/python -m pip install --quiet -e . -c $(LOCK)
	$(BIN)/python -m app.numerics.warm
	touch $@

# Development install (tests, lint, browser driver), at the versions in the lock.
$(BIN)/.dev-installed: $(BIN)/.installed
	$(BIN)/python -m pip install --quiet -e '.[dev]' -c $(LOCK)
	touch $@

# Refresh the lock: the newest versions pyproject.toml allows, in a fresh venv, frozen. Run the
# tests after (make test), and commit the lock with the change that needed it.
lock:
	rm -rf .lock-venv
	$(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install --quiet --upgrade pip
	.lock-venv/bin/python -m pip install --quiet -e '.[dev]'
	{ echo "# The exact versions the test suite passed with: make install and the image install"; \
	  echo "# these (pip -c). Refresh with 'make lock', then 'make test'. setuptools is left out:"; \
	  echo "# it builds the package in its own environment (pyproject's build-system)."; \
	  .lock-venv/bin/python -m pip freeze --all --exclude-editable | grep -v '^setuptools=='; \
	} > $(LOCK)
	rm -rf .lock-venv

install: $(BIN)/.installed

dev: $(BIN)/.dev-installed

# A Chromium for the browser tests: Debian's package where apt exists (CI, this project's
# machines), else Playwright's own download (a developer laptop).
browser: $(BIN)/.dev-installed
	@if command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ]; then \
		echo "chromium: $$(command -v chromium || echo /usr/bin/chromium)"; \
	elif command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	else \
		$(BIN)/python -m playwright install chromium; \
	fi

# nginx for the reverse-proxy test (tests/test_proxy.py, deploy/nginx.conf): Debian's package
# where apt exists and this runs as root (CI, this project's machines); elsewhere the test fails
# and says how to install it. The tests start their own nginx (loopback, a free port), never the
# package's service.
nginx:
	@if command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ]; then \
		echo "nginx: $$(command -v nginx || echo /usr/sbin/nginx)"; \
	elif command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx; \
	else \
		echo "nginx: not installed, and this is not root with apt-get: install it yourself" \
			"(apt-get install nginx, brew install nginx, dnf install nginx) for tests/test_proxy.py"; \
	fi

run: $(BIN)/.installed
	$(BIN)/python -m app.serve --host $(HOST) --port $(PORT) --workers $(WEB_CONCURRENCY)

test: $(BIN)/.dev-installed browser nginx
	$(BIN)/python -m pytest -q

bench: $(BIN)/.dev-installed browser nginx
	$(BIN)/python -m bench

lint: $(BIN)/.dev-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
