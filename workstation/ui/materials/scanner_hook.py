"""SANE scanning: the optional hook the capture panel asks for a scanner.

``sane_source()`` returns None when ``python-sane`` is not installed (as on the
reference machine) or finds no device; the capture panel then hides its 扫描仪
button. Where it returns a source, the panel runs ``source.scan()`` on its staging
worker and takes each returned page (PNG bytes) as a page with source ``scanner`` —
the same staging and attaching as a camera frame, so nothing is half-written.

Written against python-sane 2.9 (``sane.init``, ``sane.get_devices``, ``sane.open``,
``SaneDev.scan``) but not run here: no python-sane and no scanner on this machine.
"""

from __future__ import annotations

import io


class SaneSource:
    """One SANE device, scanning one page at 300 dpi in colour."""

    def __init__(self, sane, device: tuple):
        self.sane = sane
        self.name = device[0]
        self.label = f"{device[1]} {device[2]}".strip() or device[0]

    def scan(self) -> list[bytes]:
        dev = self.sane.open(self.name)
        try:
            for option, value in (("mode", "color"), ("resolution", 300)):
                try:
                    setattr(dev, option, value)
                except (AttributeError, self.sane._sane.error):     # not every backend has both
                    pass
            image = dev.scan()
        finally:
            dev.close()
        out = io.BytesIO()
        image.save(out, "PNG", dpi=(300, 300))
        return [out.getvalue()]


def sane_source() -> SaneSource | None:
    """The first SANE scanner, or None (no python-sane, no device, or SANE failing)."""
    try:
        import sane  # type: ignore[import-not-found]
    except ImportError:
        return None
    try:
        sane.init()
        devices = sane.get_devices()
    except Exception:  # noqa: BLE001 - a broken SANE set-up hides the button, nothing more
        return None
    return SaneSource(sane, devices[0]) if devices else None
