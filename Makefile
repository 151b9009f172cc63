# Two entry points for a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CHROMIUM := /usr/bin/chromium
# CI runs as root; a developer's machine goes through sudo.
SUDO := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)
PO := $(wildcard bot/locales/*/LC_MESSAGES/*.po)
MO := $(PO:.po=.mo)

.PHONY: run test lint typecheck pytest deploy-check setup locales chromium bench sandbox clean

run: setup
	$(BIN)/ayilbot run

sandbox: setup
	$(BIN)/ayilbot sandbox

test: setup chromium lint typecheck pytest deploy-check

setup: $(STAMP) locales

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# Catalogs are compiled here, at set-up; the bot refuses to start with a .po newer than its .mo.
locales: $(MO)

bot/locales/%.mo: bot/locales/%.po $(STAMP)
	$(BIN)/pybabel compile --statistics -i $< -o $@

# The browser tests drive Debian's Chromium through Playwright: Playwright's own browser download
# cannot reach its host from here or from CI. Installed once; skipped when already present.
chromium: $(CHROMIUM)

$(CHROMIUM):
	$(SUDO) apt-get update
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck: setup
	$(BIN)/mypy

pytest: setup chromium
	$(BIN)/pytest -q

# The systemd units, checked by systemd-analyze where it exists (it needs systemd installed,
# not running); elsewhere this step says so and passes. Any warning about them fails it
# (systemd ignores a misspelt value with a warning). The install prefix /opt/ayilbot is
# replaced by this venv, since verify checks that ExecStart exists.
deploy-check: setup
	@if command -v systemd-analyze >/dev/null 2>&1; then \
		dir=$$(mktemp -d) && \
		for unit in deploy/*.service; do \
			sed "s|/opt/ayilbot|$(CURDIR)/$(VENV)|" $$unit > $$dir/$$(basename $$unit); \
		done && \
		out=$$(systemd-analyze verify $$dir/*.service 2>&1); status=$$?; rm -rf $$dir; \
		problems=$$(echo "$$out" | grep ayilbot); \
		if [ $$status -ne 0 ] || [ -n "$$problems" ]; then echo "$$out"; exit 1; fi; \
		echo "deploy-check: systemd-analyze verify passed for deploy/*.service"; \
	else \
		echo "deploy-check: systemd-analyze not found, deploy/*.service not verified"; \
	fi

bench: setup chromium
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) $(MO)
