# Everything a fresh machine needs: `make run` serves the app, `make test` runs the suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.9
CHROMIUM ?= /usr/bin/chromium
PYTEST_WORKERS ?= 2
DEV_ENV := DEBUG=$${DEBUG:-true}

.PHONY: run serve test install chromium wrk lint format check lock bench bench-http demo clean

run: install
	$(DEV_ENV) $(BIN)/python manage.py migrate --no-input
	$(DEV_ENV) $(BIN)/python manage.py seed_demo
	@echo "Serving on http://127.0.0.1:8000 (web server and background worker; Ctrl-C stops both)"
	@trap 'kill 0' INT TERM EXIT; \
	$(DEV_ENV) $(BIN)/python manage.py db_worker --interval 0.5 & \
	$(DEV_ENV) $(BIN)/python manage.py runserver 127.0.0.1:8000

# The production set-up, locally: DEBUG off, static files collected, gunicorn with
# config/gunicorn.py and SERVE_WORKERS task workers, on throwaway production values (a new
# SECRET_KEY each time, so sessions end at each start). Plain http: open http://localhost:8000
# (browsers keep its Secure cookies on localhost). Uses DATABASE_URL when set, else SQLite.
# Ctrl-C stops them all with SIGTERM, each in its own session: a Ctrl-C reaching gunicorn's
# gthread workers directly can leave one hung until the graceful timeout (docs/deployment.md).
SERVE_WORKERS ?= 2
SERVE_ENV := DEBUG=false ALLOWED_HOSTS=127.0.0.1,localhost PUBLIC_BASE_URL=https://localhost \
	SECURE_SSL_REDIRECT=false SMS_SENDER=sms.senders.offline.OfflineSender \
	SILENCED_SYSTEM_CHECKS=sms.W001 GUNICORN_BIND=$${GUNICORN_BIND:-127.0.0.1:8000}

serve: install
	@set -e; \
	export SECRET_KEY=$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(50))') $(SERVE_ENV); \
	$(BIN)/python manage.py collectstatic --no-input -v0; \
	$(BIN)/python manage.py migrate --no-input; \
	$(BIN)/python manage.py seed_demo; \
	set +e; pids=; \
	trap 'trap "" INT TERM; trap - EXIT; kill -TERM $$pids 2>/dev/null; wait' INT TERM EXIT; \
	for n in $$(seq $(SERVE_WORKERS)); do \
	  setsid $(BIN)/python manage.py db_worker --interval 0.5 & pids="$$pids $$!"; done; \
	setsid $(BIN)/gunicorn -c config/gunicorn.py config.wsgi & web=$$!; pids="$$pids $$web"; \
	echo "Serving on http://$$GUNICORN_BIND: gunicorn and $(SERVE_WORKERS) db_worker (Ctrl-C stops all)"; \
	wait $$web

test: install chromium
	$(BIN)/pytest -n $(PYTEST_WORKERS) --durations=5

install: $(VENV)/.installed

# Bytecode is compiled once here: where PYTHONDONTWRITEBYTECODE is set, every process would
# otherwise compile Django and friends from source at each start.
$(VENV)/.installed: requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	$(BIN)/uv pip install --quiet --compile-bytecode --python $(BIN)/python --require-hashes -r requirements.lock
	touch $@

# Playwright drives Debian's Chromium: it cannot download a browser of its own here.
chromium:
	@test -x $(CHROMIUM) || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; fi; }
	@test -x $(CHROMIUM)

# wrk drives `make bench-http`; Debian packages it.
wrk:
	@command -v wrk >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; \
	  else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; fi; }
	@command -v wrk >/dev/null

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Migrations are complete, and production settings pass Django's deployment checklist.
check: install
	$(DEV_ENV) $(BIN)/python manage.py makemigrations --check --dry-run
	DEBUG=false SECRET_KEY=$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(50))') \
	  ALLOWED_HOSTS=sms.example.com PUBLIC_BASE_URL=https://sms.example.com \
	  TWILIO_ACCOUNT_SID=AC00000000000000000000000000000000 TWILIO_AUTH_TOKEN=placeholder \
	  TWILIO_FROM_NUMBER=+15005550006 \
	  $(BIN)/python manage.py check --deploy --fail-level WARNING

lock: install
	$(BIN)/uv pip compile pyproject.toml --extra dev --generate-hashes --python-version 3.11 -o requirements.lock

bench: install
	$(DEV_ENV) $(BIN)/python manage.py benchmark

# Over HTTP, on gunicorn as production runs it; needs PostgreSQL (docs/performance.md).
BENCH_HTTP_ARGS ?=
bench-http: install wrk
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres} $(DEV_ENV) \
	  $(BIN)/python manage.py bench_http $(BENCH_HTTP_ARGS)

clean:
	rm -rf $(VENV) staticfiles db.sqlite3
