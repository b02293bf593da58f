"""A document camera faked only at the Qt Multimedia edge: classes with the names,
methods and signals of QMediaDevices, QCamera, QMediaCaptureSession, QImageCapture
and QVideoWidget that the camera panel uses. Everything behind them (the panel, the
staging, the page store, the database) is the real code.

    edge = FakeEdge([FakeDevice(b"cam0", "良田高拍仪 S1800", [(1600, 1200), (800, 600)])])
    edge.deliver = False        # hold pictures back (then edge.release() or edge.unplug())
"""

from __future__ import annotations

from types import SimpleNamespace

from PyQt6.QtCore import QByteArray, QObject, QSize, QTimer, pyqtSignal
from PyQt6.QtGui import QColor, QImage, QPainter
from PyQt6.QtWidgets import QWidget


class FakeFormat:
    def __init__(self, width: int, height: int):
        self._size = QSize(width, height)

    def resolution(self) -> QSize:
        return self._size


class FakeDevice:
    def __init__(self, ident: bytes, description: str, sizes: list[tuple[int, int]]):
        self._id, self._description, self._sizes = ident, description, sizes

    def id(self) -> QByteArray:
        return QByteArray(self._id)

    def description(self) -> str:
        return self._description

    def videoFormats(self) -> list[FakeFormat]:
        return [FakeFormat(w, h) for w, h in self._sizes]


def frame(size: QSize | None, number: int) -> QImage:
    """What a document camera sees: a white form with text lines and a red seal."""
    size = size or QSize(1600, 1200)
    image = QImage(size, QImage.Format.Format_RGB32)
    image.fill(QColor("#f8f7f2"))
    p = QPainter(image)
    w, h = size.width(), size.height()
    for i, y in enumerate(range(h // 6, h * 5 // 6, max(10, h // 40))):
        p.fillRect(w // 10, y, int(w * (0.5 + 0.03 * ((i * 7 + number) % 10))), max(2, h // 300),
                   QColor("#202020"))
    pen = p.pen()
    pen.setColor(QColor("#d01818"))
    pen.setWidth(max(3, w // 200))
    p.setPen(pen)
    p.drawEllipse(w * 2 // 3, h * 2 // 3, w // 6, w // 6)
    p.fillRect(0, 0, 40 + 20 * number, 30, QColor("#1428dc"))
    p.end()
    return image


class FakeEdge(SimpleNamespace):
    """Attributes:
        devices: the cameras "connected" now (``unplug()`` takes them away).
        deliver: True — each capture's picture arrives on the next turn of the event
            loop, as Qt's does; False — held until ``release()``.
        cameras, captures: every QCamera / QImageCapture the panel made.
    """

    def __init__(self, devices: list[FakeDevice], *, deliver: bool = True):
        super().__init__()
        edge = self
        self.devices = list(devices)
        self.deliver = deliver
        self.cameras, self.captures, self.watchers = [], [], []

        class QMediaDevices(QObject):
            videoInputsChanged = pyqtSignal()

            def __init__(self, parent=None):
                super().__init__(parent)
                edge.watchers.append(self)

            @staticmethod
            def videoInputs():
                return list(edge.devices)

        class QCamera(QObject):
            errorOccurred = pyqtSignal(object, str)

            def __init__(self, device, parent=None):
                super().__init__(parent)
                self.device, self.active, self.format = device, False, None
                edge.cameras.append(self)

            def setCameraFormat(self, fmt):
                self.format = fmt

            def start(self):
                self.active = True

            def stop(self):
                self.active = False

            def isActive(self):
                return self.active

        class QMediaCaptureSession(QObject):
            def setCamera(self, camera):
                self.camera = camera

            def setImageCapture(self, capture):
                self.image_capture = capture
                capture.session = self

            def setVideoOutput(self, widget):
                self.output = widget

        class QImageCapture(QObject):
            imageCaptured = pyqtSignal(int, QImage)
            errorOccurred = pyqtSignal(int, object, str)
            readyForCaptureChanged = pyqtSignal(bool)

            def __init__(self, parent=None):
                super().__init__(parent)
                self.session, self.size, self.requests, self.held = None, None, 0, []
                edge.captures.append(self)

            def setResolution(self, size):
                self.size = size

            def isReadyForCapture(self):
                return self.session is not None and self.session.camera.active

            def errorString(self):
                return ""

            def capture(self):
                self.requests += 1
                request, image = self.requests, frame(self.size, self.requests)
                if edge.deliver:
                    QTimer.singleShot(0, lambda: self.imageCaptured.emit(request, image))
                else:
                    self.held.append((request, image))
                return request

        self.QMediaDevices, self.QCamera = QMediaDevices, QCamera
        self.QMediaCaptureSession, self.QImageCapture, self.QVideoWidget = (
            QMediaCaptureSession, QImageCapture, QWidget)

    def release(self) -> None:
        """Hand over every picture held back (as a late frame after an unplug would)."""
        for capture in self.captures:
            held, capture.held = capture.held, []
            for request, image in held:
                capture.imageCaptured.emit(request, image)

    def unplug(self) -> None:
        """The USB cable pulled: the device list changes, the camera reports an error."""
        self.devices.clear()
        for w in self.watchers:
            w.videoInputsChanged.emit()
        for camera in self.cameras:
            camera.errorOccurred.emit(1, "Camera is no longer available")


__all__ = ["FakeDevice", "FakeEdge", "FakeFormat", "frame"]
