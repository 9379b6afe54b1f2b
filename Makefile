# The two set-up commands of the README are `make run` and `make test`; both build .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint format messages clean

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

## make run: the portal with demo data on SQLite, local files and an embedded worker.
run: $(STAMP)
	DATAHUB_DEBUG=true DATAHUB_DEMO=true $(BIN)/datahub migrate --no-input
	DATAHUB_DEBUG=true DATAHUB_DEMO=true $(BIN)/datahub demo
	DATAHUB_DEBUG=true DATAHUB_DEMO=true $(BIN)/datahub serve

## make test: the whole suite (browser tests included when /usr/bin/chromium exists).
test: $(STAMP)
	$(BIN)/pytest -p no:cacheprovider -n 2 --dist loadfile $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy datahub

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## Regenerate and compile the translations after changing user-visible strings. The English
## catalogue holds only hand-made overrides of django-allauth's texts: it is compiled, not regenerated.
messages: $(STAMP)
	cd datahub && ../$(BIN)/django-admin makemessages -l nl --no-obsolete --no-location
	cd datahub && ../$(BIN)/django-admin compilemessages

clean:
	rm -rf $(VENV) var
