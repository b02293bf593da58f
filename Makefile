# make run  — install what is missing and open the workstation on a local demo database
# make test — install what is missing and run the whole test suite (four parallel workers)

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
# Where `make run` keeps its database; a real terminal uses `workstation init` and
# the platform's data folder instead (see README).
RUN_DATA ?= $(CURDIR)/.run-data

# Qt's xcb platform plugin and its libraries, fonts with CJK glyphs, zbar for
# barcode reading, Liberation fonts (metric-compatible with Times New Roman and
# Arial, so LibreOffice lays a notice out on one page as Word does; without them
# it falls back to the wider DejaVu and the notice spills onto a second page),
# LibreOffice (headless) and poppler for turning documents into
# PDF and pictures (print preview, and the tests that read a rendered page back),
# libpulse0 (Qt Multimedia will not load without it: the document camera), the X11
# libraries Qt's plugins link to (libxrandr2 for the FFmpeg camera back end, libcups2
# for printing; tests/test_qt_plugins.py runs ldd over every plugin we load),
# PostgreSQL (the tests start a private server of their own for the central
# server; nothing is configured system-wide), and Python's venv.
APT_PACKAGES := python3 python3-venv python3-pip \
	libgl1 libegl1 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libglib2.0-0 libdbus-1-3 \
	libzbar0 fonts-wqy-microhei fonts-liberation libreoffice-writer-nogui poppler-utils postgresql libpulse0 \
	libxcb1 libx11-xcb1 libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 \
	libxcb-randr0 libxcb-render-util0 libxcb-shape0 libxcb-xinerama0 libxcb-xkb1 \
	libxcb-xfixes0 libxcb-shm0 libxcb-sync1 libxcb-render0 libxcb-glx0 libxcb-util1 \
	libx11-6 libxext6 libxrender1 libxrandr2 libcups2

.PHONY: run test system-packages bench clean

system-packages:
	@missing=""; for p in $(APT_PACKAGES); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "正在安装系统软件包:$$missing"; \
		SUDO=""; [ "$$(id -u)" -eq 0 ] || SUDO=sudo; \
		$$SUDO apt-get update -q && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q --no-install-recommends $$missing; \
	fi

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -e '.[terminal,central,dev]'
	touch $(STAMP)

run: system-packages $(STAMP)
	WORKSTATION_DATA_DIR=$(RUN_DATA) $(VENV)/bin/workstation demo --if-empty
	WORKSTATION_DATA_DIR=$(RUN_DATA) $(VENV)/bin/workstation

test: system-packages $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q -n 4

bench: system-packages $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) bench/run_all.py

clean:
	rm -rf $(VENV) $(RUN_DATA) .pytest_cache
