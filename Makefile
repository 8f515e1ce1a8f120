# Two commands matter: `make run` and `make test`. Both build everything they need.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# What Qt needs from the system to draw a window: OpenGL/EGL, fonts, D-Bus, and the X11
# libraries its xcb platform plugin links (found with `ldd` on the venv's
# PySide6/Qt/plugins/platforms/libqxcb.so and libQt6XcbQpa.so.6; a minimal Debian lacks
# libxcb-cursor0, -icccm4, -keysyms1 ... and then Qt "could not load the platform plugin xcb").
DESKTOP_DEBS := libegl1 libgl1 libfontconfig1 libfreetype6 libdbus-1-3 libglib2.0-0 \
	libxkbcommon0 libxkbcommon-x11-0 libx11-6 libx11-xcb1 libxcb1 libxcb-cursor0 \
	libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-randr0 libxcb-render0 \
	libxcb-render-util0 libxcb-shape0 libxcb-shm0 libxcb-sync1 libxcb-util1 libxcb-xfixes0 \
	libxcb-xkb1 fonts-dejavu-core
# What the tests use besides: pdfsig/pdftotext/pdftoppm, zbarimg, the packaging validators
# (desktop-file-validate, appstreamcli) and an X server (Xvfb) to open the app on xcb.
DEBS := $(DESKTOP_DEBS) openssl jq poppler-utils zbar-tools desktop-file-utils appstream \
	xvfb xauth

.PHONY: run test test-quick bench package lint debs desktop-debs clean screenshots

# Debian's own python3 makes virtual environments only with python3-venv installed.
$(BIN)/python:
	@$(PY) -c "import ensurepip" 2>/dev/null || sh tools/install_debs.sh "to create .venv" python3-venv
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[test,package]'
	touch $(STAMP)

# Installed only when missing, so a developer machine is not touched needlessly; without
# root or sudo, the script names the missing packages and the command that installs them.
debs:
	@sh tools/install_debs.sh "for the tests" $(DEBS)

desktop-debs:
	@sh tools/install_debs.sh "for the desktop app" $(DESKTOP_DEBS)

run: desktop-debs $(STAMP)
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
