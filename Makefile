# Rakor: `make run` serves the embedded default with demo data; `make test` runs the suite.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run test lint format migrate messages bench bench-compare check-deploy screenshots clean

$(VENV)/.installed: requirements.txt requirements-dev.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Rakor needs Python 3.11 or newer (set PYTHON=python3.11)")'
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@

# ical.js (Thunderbird's iCalendar parser) for the calendar tests, from npm, pinned by the
# lock file. Without npm the tests that need it are skipped (and fail under
# RAKOR_REQUIRE_SERVICES=1).
ICALJS := tests/meetings/icaljs
$(ICALJS)/node_modules/.installed: $(ICALJS)/package.json $(ICALJS)/package-lock.json
	@if command -v npm >/dev/null; then \
		cd $(ICALJS) && npm ci --no-audit --no-fund --silent && touch node_modules/.installed; \
	else \
		echo "npm is missing: the tests that read invitations with ical.js are skipped (apt-get install nodejs npm)"; \
	fi

install: $(VENV)/.installed $(ICALJS)/node_modules/.installed

migrate: install
	$(PY) manage.py migrate --noinput

# The site's address in mailed links and feeds follows where daphne listens.
run: export RAKOR_HOST = $(HOST)
run: export RAKOR_PORT = $(PORT)
run: migrate
	$(PY) manage.py seed_demo
	@echo
	@echo "Rakor is starting at http://$(HOST):$(PORT)/  (sign in with a demo official above; Ctrl+C stops it)"
	exec $(PY) -m coordination.platform.serve -b $(HOST) -p $(PORT) coordination.asgi:application

test: install
	$(PY) -m pytest $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# Extract strings and compile the catalogues; the compiled .mo files are committed, so
# machines without gettext still get both languages.
messages: install
	$(PY) manage.py makemessages -l id -l en --ignore=.venv --ignore=var --ignore=staticfiles --ignore=tests
	$(PY) -c 'import pathlib, polib; [polib.pofile(str(p)).save_as_mofile(str(p.with_suffix(".mo"))) for p in pathlib.Path("locale").glob("*/LC_MESSAGES/*.po")]'

# Refresh the README's screenshots from the browser test (needs /usr/bin/chromium).
screenshots: install
	RAKOR_SCREENSHOTS=docs/screenshots $(PY) -m pytest -q tests/e2e/test_browser.py tests/e2e/test_messages_browser.py -k "signs_in or dropped"

# The benchmarks' own tools (uvloop, uvicorn, matplotlib, py-spy), beside the test set.
$(VENV)/.bench-installed: requirements-bench.txt $(VENV)/.installed
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-bench.txt
	@touch $@

# Every benchmark, then the report: bench/results/<date>.json, .md (printed) and plots.
# The PostgreSQL + Redis rungs run when DATABASE_URL/REDIS_URL are set or the local
# servers answer (docs/performance.md).
bench: install $(VENV)/.bench-installed
	rm -rf bench/results/parts
	$(PY) bench/sockets.py
	$(PY) bench/feed.py
	$(PY) bench/pages.py
	$(PY) bench/run.py
	$(PY) bench/agenda.py
	$(PY) bench/decisions.py
	$(PY) bench/availability.py
	$(PY) bench/report.py

# Fan-out of this tree against another revision, alternating in one run:
# make bench-compare REV=<commit>   (the revision is checked out in a temporary worktree)
bench-compare: install $(VENV)/.bench-installed
	@test -n "$(REV)" || { echo "make bench-compare REV=<commit>"; exit 2; }
	rm -rf .bench-tree && git worktree add --detach .bench-tree $(REV)
	$(PY) bench/fanout.py --tree .bench-tree --tree . ; status=$$?; \
	git worktree remove --force .bench-tree; exit $$status

check-deploy: install
	RAKOR_ENV=production SECRET_KEY=$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(50))') \
	ALLOWED_HOSTS=rakor.example.go.id DATABASE_URL=postgres://rakor@localhost/rakor \
	REDIS_URL=redis://localhost:6379/0 $(PY) manage.py check --deploy --fail-level WARNING

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
