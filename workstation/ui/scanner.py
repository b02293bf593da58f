"""A hand scanner is a keyboard that types very fast and ends with Enter.

The filter watches every key press in the window; a run of at least 12
characters, each within ~40 ms of the last and ending in Enter, is a scan, not
typing. The typed characters are taken back out of the line edit they landed in
and the code is handed on, so the clerk never has to click a search box first —
except in fields marked as scan targets (ID numbers, waybills), which keep a
short code scanned into them.
"""

from __future__ import annotations

from .qt import QApplication, QElapsedTimer, QEvent, QLineEdit, QObject, Qt, QWidget, pyqtSignal

MIN_LENGTH = 12
MAX_GAP_MS = 40
# A line edit with this property set to True keeps short alphanumeric scans (an ID
# number, a waybill) as its own input instead of having them opened as a case.
SCAN_TARGET = "scanTarget"
SCAN_TARGET_MAX = 30


class ScannerFilter(QObject):
    """Signals:
        scanned(str): a complete code read by a hand scanner.
    """

    scanned = pyqtSignal(str)

    def __init__(self, parent=None, *, max_gap_ms: int = MAX_GAP_MS):
        super().__init__(parent)
        self.max_gap_ms = max_gap_ms
        self._buffer: list[str] = []
        self._clock = QElapsedTimer()
        self._clock.start()
        self._last = -10_000
        self._target = None

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.InputMethod:
            self._buffer.clear()       # Chinese typed in between: not one scan
            return False
        if event.type() != QEvent.Type.KeyPress or event.isAutoRepeat():
            return False
        # An application-wide filter sees one key press several times (the window,
        # then the widget); count it once, at the widget that has the focus.
        focus = QApplication.focusWidget()
        if obj is not focus and not (focus is None and isinstance(obj, QWidget) and obj.isWindow()):
            return False
        # A scan arrives in one widget; keys typed elsewhere before it are not part of it.
        if obj is not self._target:
            self._buffer.clear()
            self._target = obj
        now = self._clock.elapsed()
        gap = now - self._last
        self._last = now
        key = event.key()
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            code = "".join(self._buffer)
            self._buffer.clear()
            if len(code) >= MIN_LENGTH and gap <= self.max_gap_ms:
                if obj.property(SCAN_TARGET) and len(code) <= SCAN_TARGET_MAX and code.isalnum():
                    return False    # an ID or waybill scanned into the field that wants it
                self._take_back(obj, code)
                self.scanned.emit(code)
                return True
            return False
        text = event.text()
        if len(text) == 1 and text.isprintable() and text.isascii():
            if gap > self.max_gap_ms:
                self._buffer.clear()
            self._buffer.append(text)
        else:
            self._buffer.clear()
        return False

    @staticmethod
    def _take_back(obj, code: str) -> None:
        if not isinstance(obj, QLineEdit):
            return
        text = obj.text()
        # A field with a maximum length kept only the code's beginning: remove that much.
        for n in range(min(len(code), len(text)), 0, -1):
            if text.endswith(code[:n]):
                obj.setText(text[:-n])
                return
