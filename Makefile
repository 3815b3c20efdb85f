# cop: `make run` serves the demo on http://127.0.0.1:5000; `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := wsgi

.PHONY: run test install install-test browser calendar-readers translations compile-translations lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[test]"
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

# The browser tests drive Debian's Chromium (never a downloaded browser); install it when missing.
CHROMIUM := /usr/bin/chromium
browser:
	@if [ ! -x $(CHROMIUM) ]; then \
		if [ "$$(id -u)" = 0 ]; then \
			echo "Installing Chromium for the browser tests"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
		else \
			echo "Chromium is missing: run 'sudo apt-get install -y chromium' (browser tests are skipped)"; \
		fi; \
	fi

# The calendar tests read the exported .ics files back with Debian's calcurse and with ical.js,
# Thunderbird's parser, pinned by tests/calendar_readers/package-lock.json: install them when
# missing (apt needs root), and run npm ci again whenever the lockfile changes.
CALCURSE := /usr/bin/calcurse
CALENDAR_READERS := tests/calendar_readers
ICALJS_STAMP := $(CALENDAR_READERS)/node_modules/.cop-installed
calendar-readers:
	@missing=""; \
	[ -x $(CALCURSE) ] || missing=" calcurse"; \
	command -v node >/dev/null || missing="$$missing nodejs npm"; \
	command -v node >/dev/null && ! command -v npm >/dev/null && missing="$$missing npm"; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ]; then \
			echo "Installing$$missing for the calendar tests"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
		else \
			echo "Missing for the calendar tests: run 'sudo apt-get install -y$$missing'"; \
		fi; \
	fi
	@if [ ! -f $(ICALJS_STAMP) ] || [ $(CALENDAR_READERS)/package-lock.json -nt $(ICALJS_STAMP) ]; then \
		if command -v npm >/dev/null; then \
			echo "Installing ical.js for the calendar tests"; \
			(cd $(CALENDAR_READERS) && npm ci --no-audit --no-fund --loglevel=error) && touch $(ICALJS_STAMP); \
		else \
			echo "npm is missing: ical.js is not installed (the calendar tests fail)"; \
		fi; \
	fi

# Compile the committed .po catalogues into the .mo files Flask-Babel reads.
compile-translations: install
	$(BIN)/pybabel compile --statistics -d cop/translations

# Extract every UI string and merge it into each language's catalogue; then translate and compile.
translations: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k _lp:1c,2 -o cop/translations/messages.pot --no-location --sort-output .
	$(BIN)/pybabel update -i cop/translations/messages.pot -d cop/translations --no-fuzzy-matching
	$(BIN)/pybabel compile --statistics -d cop/translations

run: install compile-translations
	$(BIN)/flask db upgrade
	$(BIN)/flask cop demo
	$(BIN)/flask run --host 127.0.0.1 --port 5000 --no-debugger --no-reload

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# The suite on SQLite always; again on PostgreSQL when TEST_DATABASE_URL is set (CI sets it).
test: install-test compile-translations browser calendar-readers
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	env -u TEST_DATABASE_URL $(BIN)/python -m pytest -q
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
		echo "== again on PostgreSQL =="; \
		$(BIN)/python -m pytest -q --ignore=tests/browser; \
	fi

# gunicorn on PostgreSQL (127.0.0.1:5432 as postgres, or BENCH_POSTGRES_URL) with the scaled
# demo; BENCH_ARGS passes options, e.g. make bench BENCH_ARGS="--scale 5" (python -m bench --help).
bench: install-test compile-translations
	$(BIN)/python -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
