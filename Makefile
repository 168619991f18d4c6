# One command per chore. `make run` and `make test` do all set-up on a fresh machine.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8000
HOST   ?= 127.0.0.1
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: run serve test fuzz lint bench demo migrate messages chromium clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Stamps make a second `make run` install nothing unless pyproject.toml changed.
$(VENV)/.installed-run: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed-run
	$(BIN)/python -m pip install --quiet -e '.[test,dev]'
	@touch $@

migrate: $(VENV)/.installed-run
	$(BIN)/python manage.py migrate --noinput -v0

demo: migrate
	$(BIN)/python manage.py load_demo

run: demo
	$(BIN)/python manage.py collectstatic --noinput -v0
	$(BIN)/python manage.py check --deploy --fail-level ERROR -v0
	@$(BIN)/python manage.py demo_accounts --url http://$(HOST):$(PORT)/
	@# make run serves plain HTTP on this machine: secure-only cookies would not come back over it.
	SECURE_COOKIES=$${SECURE_COOKIES:-0} $(BIN)/granian --interface wsgi --host $(HOST) --port $(PORT) --workers $${WORKERS:-1} \
		--blocking-threads $${THREADS:-$$(( $$(nproc) * 2 ))} --static-path-route /static --static-path-mount var/static \
		onewindow.wsgi:application

# Debian's Chromium drives the browser tests; install it when missing and we are allowed to.
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
		if [ "$$(id -u)" = 0 ]; then \
			DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null \
			|| { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null; }; \
		else echo "chromium is missing: run 'sudo apt-get install -y chromium'"; exit 1; fi; }

test: $(VENV)/.installed-test chromium
	ONEWINDOW_TESTING=1 $(BIN)/pytest $(PYTEST_ARGS)

# Schemathesis over every API operation, longer than the suite's run (which generates 50 requests per
# operation): no request may get a server error. FUZZ_EXAMPLES sets the requests per operation;
# DATABASE_URL=postgres://... runs it on PostgreSQL.
fuzz: $(VENV)/.installed-test
	ONEWINDOW_TESTING=1 FUZZ_EXAMPLES=$${FUZZ_EXAMPLES:-200} $(BIN)/pytest src/onewindow/core/tests/test_api_fuzz.py

lint: $(VENV)/.installed-test
	$(BIN)/ruff check src bench
	$(BIN)/ruff format --check src bench
	$(BIN)/mypy
	@# The layers and the pages no other app may import ([tool.importlinter] in pyproject.toml).
	PYTHONPATH=src $(BIN)/lint-imports

bench: $(VENV)/.installed-test
	@command -v wrk >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && apt-get install -y -q wrk >/dev/null; } || true
	$(BIN)/python bench/run.py $(BENCH_ARGS)
	$(BIN)/python bench/licences.py
	$(BIN)/python bench/inbox.py
	$(BIN)/python bench/submissions.py
	@# inbox first: it grows the database from 10,000 applications up, submissions reuse the rows.
	@if [ -n "$(BENCH_DATABASE_URL)" ]; then \
		DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python bench/inbox.py && \
		DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python bench/submissions.py; fi
	@# 12345 tickets: filing (Open311, the citizens' API) and the hotline's inbox at 10k and 1M tickets.
	@if [ -n "$(BENCH_TICKETS_DATABASE_URL)" ]; then \
		DATABASE_URL=$(BENCH_TICKETS_DATABASE_URL) $(BIN)/python bench/tickets.py; fi

messages: $(VENV)/.installed-test
	cd src/onewindow && ../../$(BIN)/python ../../manage.py makemessages -l en --no-obsolete
	cd src/onewindow && ../../$(BIN)/python ../../manage.py compilemessages -l en

clean:
	rm -rf $(VENV) var/static
