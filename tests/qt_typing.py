"""Typing as a clerk does: ASCII through QTest key clicks, Chinese as an input
method delivers it (a commit string), since QTest can only synthesise ASCII keys."""

from PyQt6.QtGui import QInputMethodEvent
from PyQt6.QtTest import QTest
from PyQt6.QtWidgets import QApplication


def type_text(widget, text: str) -> None:
    widget.setFocus()
    for ch in text:
        if ch.isascii():
            QTest.keyClicks(widget, ch)
        else:
            event = QInputMethodEvent()
            event.setCommitString(ch)
            QApplication.sendEvent(widget, event)
