"""Every Qt plugin the workstation loads finds its system libraries.

PyQt6's wheels bring Qt but not the X11, CUPS or sound libraries its plugins link
to; `make` installs those from Debian. A library missing on a fresh machine shows
up here as `ldd`'s "not found" (for example the FFmpeg plugin behind the document
camera needs libXrandr), instead of as a camera or printer that silently does not
work at a counter.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import PyQt6

QT = Path(PyQt6.__file__).resolve().parent / "Qt6"

# What the window loads: the X11 platform (and offscreen for tests), its GL
# integration, picture formats, the FFmpeg multimedia back end (document camera),
# CUPS printing (QPrinter), and the libraries those need.
PLUGINS = ["platforms/libqxcb.so", "platforms/libqoffscreen.so", "xcbglintegrations/*.so",
           "imageformats/*.so", "multimedia/libffmpegmediaplugin.so",
           "printsupport/libcupsprintersupport.so", "platforminputcontexts/libcomposeplatforminputcontextplugin.so",
           "iconengines/*.so"]
LIBRARIES = ["libQt6Multimedia.so.6", "libQt6PrintSupport.so.6", "libQt6Pdf.so.6", "libQt6Svg.so.6",
             "libQt6XcbQpa.so.6", "libQt6Widgets.so.6"]


def _files() -> list[Path]:
    found = []
    for pattern in PLUGINS:
        matches = sorted((QT / "plugins").glob(pattern))
        assert matches, f"PyQt6 no longer ships {pattern}"
        found += matches
    for name in LIBRARIES:
        assert (QT / "lib" / name).exists(), name
        found.append(QT / "lib" / name)
    return found


def test_every_loaded_qt_plugin_finds_its_libraries():
    missing = {}
    for path in _files():
        out = subprocess.run(["ldd", str(path)], capture_output=True, text=True, timeout=60).stdout
        lost = [line.split()[0] for line in out.splitlines() if "not found" in line]
        if lost:
            missing[str(path.relative_to(QT))] = lost
    assert not missing, f"system libraries missing (add their Debian packages to the Makefile): {missing}"
