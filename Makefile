# Two commands do all set-up: `make run` and `make test`.
VENV := .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app learnhub
PYBABEL := $(VENV)/bin/pybabel
TRANSLATIONS := learnhub/translations
LOCALES := sr_Latn bs

.PHONY: run test lint install chromium dovecot translations compile-translations bench clean

$(VENV)/.installed: pyproject.toml
	test -d $(VENV) || python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed compile-translations

compile-translations: $(VENV)/.installed
	$(PYBABEL) compile --statistics -d $(TRANSLATIONS) 2>&1 | tail -n 4

run: install
	mkdir -p instance
	$(FLASK) db upgrade
	$(FLASK) curriculum import curriculum
	$(FLASK) seed-demo
	$(FLASK) run --host 127.0.0.1 --port 5000

# The end-to-end tests drive Debian's chromium (never a browser Playwright downloads): installed here
# when missing and we are root; otherwise one line says what to install, before any test runs.
CHROMIUM ?= chromium
APT_GET ?= apt-get
chromium:
	@command -v $(CHROMIUM) >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    $(APT_GET) update -qq && DEBIAN_FRONTEND=noninteractive $(APT_GET) install -y -qq chromium >/dev/null; \
	  else \
	    echo "make test needs Debian's chromium for the browser tests: run 'sudo apt-get install chromium' first." >&2; \
	    exit 1; \
	  fi; }

# The tests of answers from mail clients read a real IMAP server: Debian's dovecot-imapd, started by the
# tests with a configuration of their own (no system service). Installed here when missing and we are root.
DOVECOT ?= /usr/sbin/dovecot
dovecot:
	@test -x $(DOVECOT) || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    $(APT_GET) update -qq && DEBIAN_FRONTEND=noninteractive $(APT_GET) install -y -qq dovecot-imapd >/dev/null; \
	  else \
	    echo "make test needs Debian's dovecot-imapd for the mail tests: run 'sudo apt-get install dovecot-imapd' first." >&2; \
	    exit 1; \
	  fi; }

# One worker per core (pytest-xdist); each has databases of its own (tests/conftest.py).
PYTEST_ARGS ?= -n auto
test: chromium dovecot lint install
	$(VENV)/bin/pytest $(PYTEST_ARGS)

# Before the tests, so a slip fails in seconds (rules and settings in pyproject.toml).
lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

# Re-extract strings after changing code or templates; sr_Cyrl is derived from sr_Latn.
translations: $(VENV)/.installed
	$(PYBABEL) extract --no-location --sort-by-file -F learnhub/babel.cfg -k _l -k ngettext:1,2 -o $(TRANSLATIONS)/messages.pot .
	for locale in $(LOCALES); do \
	  if [ -f $(TRANSLATIONS)/$$locale/LC_MESSAGES/messages.po ]; then \
	    $(PYBABEL) update --no-fuzzy-matching -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS) -l $$locale; \
	  else \
	    $(PYBABEL) init -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS) -l $$locale; \
	  fi; \
	done
	mkdir -p $(TRANSLATIONS)/sr_Cyrl/LC_MESSAGES
	$(PY) -m learnhub.i18n $(TRANSLATIONS)/sr_Latn/LC_MESSAGES/messages.po $(TRANSLATIONS)/sr_Cyrl/LC_MESSAGES/messages.po

# gunicorn + wrk against PostgreSQL (databases bench_x1 and bench_x10 only) at ×1 and ×10 of the data.
bench: install
	$(PY) bench/run.py

clean:
	rm -rf $(VENV) instance .pytest_cache
