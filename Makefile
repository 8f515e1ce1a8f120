# Two commands matter: `make run` and `make test`. Both build everything they need.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEBS := openssl jq poppler-utils zbar-tools fonts-dejavu-core libegl1 libgl1 libxkbcommon0 libfontconfig1 libdbus-1-3 libglib2.0-0 \
	desktop-file-utils appstream

.PHONY: run test test-quick bench package lint debs clean screenshots

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[test,package]'
	touch $(STAMP)

# Debian packages the tests use (pdfsig/pdftotext/pdftoppm, the packaging validators
# desktop-file-validate and appstreamcli) and Qt's offscreen needs.
# Installed only when missing, so a developer machine is not touched needlessly.
debs:
	@missing=""; for p in $(DEBS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	  else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; fi; \
	fi

run: $(STAMP)
	$(BIN)/binder gui

# Every test, slow ones included, on all cores. loadfile keeps each test file on one worker:
# a module-scoped fixture (the real-KDF secrets session) runs once, and a file of Qt tests
# shares one QApplication in order, as it does without xdist.
PYTEST_XDIST := -n auto --dist loadfile

test: debs $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q $(PYTEST_XDIST)

# While developing: the same without the tests marked slow (crash loops, large files).
test-quick: debs $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q $(PYTEST_XDIST) -m "not slow"

lint: $(STAMP)
	$(BIN)/ruff check binder tests bench tools
	$(BIN)/lint-imports

bench: debs $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m bench

package: $(STAMP)
	$(BIN)/pyinstaller --noconfirm --clean --distpath dist --workpath build packaging/binder.spec

screenshots: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m binder.ui.screenshots docs/screenshots

clean:
	rm -rf build dist $(VENV)
