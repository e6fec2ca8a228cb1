# Everything a fresh machine needs: `make run` serves the app, `make test` runs the suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.9
CHROMIUM ?= /usr/bin/chromium
PYTEST_WORKERS ?= 2
DEV_ENV := DEBUG=$${DEBUG:-true}

.PHONY: run test install chromium lint format check lock bench demo clean

run: install
	$(DEV_ENV) $(BIN)/python manage.py migrate --no-input
	$(DEV_ENV) $(BIN)/python manage.py seed_demo
	@echo "Serving on http://127.0.0.1:8000 (web server and background worker; Ctrl-C stops both)"
	@trap 'kill 0' INT TERM EXIT; \
	$(DEV_ENV) $(BIN)/python manage.py db_worker --interval 0.5 & \
	$(DEV_ENV) $(BIN)/python manage.py runserver 127.0.0.1:8000

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

clean:
	rm -rf $(VENV) staticfiles db.sqlite3
