"""The document camera (高拍仪) through Qt Multimedia: choose the device and the
resolution, watch the live picture, one key (F3) per page.

Qt Multimedia is the edge: ``edge`` is a namespace with ``QMediaDevices``,
``QCamera``, ``QMediaCaptureSession``, ``QImageCapture`` and ``QVideoWidget``
(``qt.multimedia()`` by default; the tests hand in a fake with the same names). When it
cannot be imported, or no camera is connected, the panel shows one plain sentence
instead of its controls, and the capture screen works from files and the watched
folder as before.

Nothing is half-written: a page exists only once Qt hands over the whole picture
(``imageCaptured``); the capture screen then stages it (a page file written and
renamed) and attaches it (one transaction). A camera unplugged, or failing, between
the key press and the picture drops what was in flight and says so; pages captured
before stay as they are.
"""

from __future__ import annotations

from ..qt import (QComboBox, QHBoxLayout, QLabel, QPushButton, QSize, QVBoxLayout, QWidget, Qt,
                  pyqtSignal)


def load_edge():
    """(edge, None) or (None, why not) — the real Qt Multimedia."""
    from ..qt import multimedia

    try:
        return multimedia(), None
    except (ImportError, OSError, RuntimeError) as exc:
        return None, (f"本机未能加载 Qt 多媒体组件（{exc}），高拍仪拍摄不可用；"
                      "请用“打开文件”、拖放文件或“监视文件夹”采集。")


class CameraPanel(QWidget):
    """Attributes:
        available: a camera can be used (Qt Multimedia loaded and a device connected).
        capture_count: pictures handed over so far (names the pages: 高拍仪第N张).
    Signals:
        captured(QImage): one whole picture, ready to be stored.
        problem(str): what went wrong, in Chinese (shown by the capture screen).
    """

    captured = pyqtSignal(object)
    problem = pyqtSignal(str)

    def __init__(self, edge=None, parent=None):
        super().__init__(parent)
        self.edge, why = (edge, None) if edge is not None else load_edge()
        self.available = False
        self.capture_count = 0
        self.camera = self.session = self.image_capture = None
        self._device_id: bytes | None = None
        self._pending: set[int] = set()
        self._capture_when_ready = False
        self.message = QLabel(objectName="camera_message", wordWrap=True)
        self.message.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.devices = QComboBox(objectName="camera_devices")
        self.resolutions = QComboBox(objectName="camera_resolutions")
        self.start_button = QPushButton("开启高拍仪", objectName="camera_start")
        self.capture_button = QPushButton("拍摄一页 F3", objectName="camera_capture")
        self.viewfinder = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.controls = QWidget()
        rows = QVBoxLayout(self.controls)
        rows.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        row.addWidget(QLabel("设备"))
        row.addWidget(self.devices, 1)
        rows.addLayout(row)
        row = QHBoxLayout()
        row.addWidget(QLabel("分辨率"))
        row.addWidget(self.resolutions)
        row.addStretch()
        row.addWidget(self.start_button)
        row.addWidget(self.capture_button)
        rows.addLayout(row)
        layout.addWidget(self.controls)
        layout.addWidget(self.message)
        if self.edge is None:
            self._unavailable(why)
            return
        self.viewfinder = self.edge.QVideoWidget()
        self.viewfinder.setObjectName("viewfinder")
        self.viewfinder.setMinimumSize(QSize(320, 240))
        self.viewfinder.setFocusPolicy(Qt.FocusPolicy.ClickFocus)   # Space on it captures
        layout.addWidget(self.viewfinder, 1)
        self.media_devices = self.edge.QMediaDevices(self)
        self.media_devices.videoInputsChanged.connect(self._inputs_changed)
        self.devices.currentIndexChanged.connect(self._device_chosen)
        self.start_button.clicked.connect(self.toggle)
        self.capture_button.clicked.connect(self.capture_page)
        self.refresh_devices()

    # ---- devices -----------------------------------------------------------------------------

    def _unavailable(self, why: str, *, error: bool = False) -> None:
        self.available = False
        self.controls.hide()
        if self.viewfinder is not None:
            self.viewfinder.hide()
        self.message.setStyleSheet("color: #b00020; font-weight: bold" if error else "color: #555")
        self.message.setText(why)
        self.layout().setStretchFactor(self.message, 1)         # the sentence at the top, not adrift

    def refresh_devices(self, *, keep_message: bool = False) -> None:
        inputs = list(self.edge.QMediaDevices.videoInputs())
        if not inputs:
            self._unavailable(self.message.text() if keep_message else
                              "未检测到高拍仪（摄像头）。连接后此处会自动出现；"
                              "也可用“打开文件”、拖放文件或“监视文件夹”采集。", error=keep_message)
            return
        self.available = True
        self.layout().setStretchFactor(self.message, 0)
        self.controls.show()
        self.viewfinder.show()
        if not keep_message:
            self.message.setStyleSheet("color: #555")
            self.message.setText("")
        current = self._device_id
        self.devices.blockSignals(True)
        self.devices.clear()
        for device in inputs:
            self.devices.addItem(device.description(), device)
        self.devices.blockSignals(False)
        index = next((i for i, d in enumerate(inputs) if bytes(d.id()) == current), 0)
        self.devices.setCurrentIndex(index)
        self._device_chosen(index)

    def _device_chosen(self, index: int) -> None:
        device = self.devices.itemData(index)
        self.resolutions.clear()
        if device is None:
            return
        formats = {}
        for fmt in device.videoFormats():
            size = fmt.resolution()
            key = (size.width(), size.height())
            if key not in formats:          # one entry per resolution, the first format for it
                formats[key] = fmt
        for (w, h), fmt in sorted(formats.items(), key=lambda kv: -kv[0][0] * kv[0][1]):
            self.resolutions.addItem(f"{w}×{h}", fmt)
        if self.camera is not None and bytes(device.id()) != self._device_id:
            self.stop()

    def _inputs_changed(self) -> None:
        present = {bytes(d.id()) for d in self.edge.QMediaDevices.videoInputs()}
        lost = self.camera is not None and self._device_id not in present
        if lost:
            self._lost("高拍仪已断开")
        self.refresh_devices(keep_message=lost)

    # ---- the camera --------------------------------------------------------------------------

    def toggle(self) -> None:
        if self.camera is None:
            self.start()
        else:
            self.stop()

    def start(self) -> bool:
        if not self.available:
            return False
        device = self.devices.currentData()
        fmt = self.resolutions.currentData()
        edge = self.edge
        self.camera = edge.QCamera(device, self)
        if fmt is not None:
            self.camera.setCameraFormat(fmt)
        self.session = edge.QMediaCaptureSession(self)
        self.session.setCamera(self.camera)
        self.image_capture = edge.QImageCapture(self)
        if fmt is not None:
            self.image_capture.setResolution(fmt.resolution())
        self.session.setImageCapture(self.image_capture)
        self.session.setVideoOutput(self.viewfinder)
        self.image_capture.imageCaptured.connect(self._image)
        self.image_capture.errorOccurred.connect(self._capture_error)
        self.image_capture.readyForCaptureChanged.connect(self._ready_changed)
        self.camera.errorOccurred.connect(self._camera_error)
        self._device_id = bytes(device.id())
        self.camera.start()
        self.start_button.setText("关闭高拍仪")
        self.message.setStyleSheet("color: #555")
        self.message.setText(f"{device.description()} 已开启：对准材料后按 F3 拍摄一页")
        return True

    def stop(self) -> None:
        """Close the camera; a picture still on its way is dropped (never stored)."""
        self._pending.clear()
        self._capture_when_ready = False
        if self.camera is not None:
            for obj, signal in ((self.image_capture, "imageCaptured"), (self.image_capture, "errorOccurred"),
                                (self.image_capture, "readyForCaptureChanged"),
                                (self.camera, "errorOccurred")):
                try:
                    getattr(obj, signal).disconnect()
                except (TypeError, RuntimeError):
                    pass
            try:
                self.camera.stop()
            except RuntimeError:
                pass                         # already gone with its device
            for obj in (self.image_capture, self.session, self.camera):
                obj.deleteLater()
        self.camera = self.session = self.image_capture = None
        self.start_button.setText("开启高拍仪")

    def capture_page(self) -> None:
        """One picture (F3). Opens the camera first if it is closed."""
        if not self.available:
            self.problem.emit(self.message.text() or "高拍仪不可用")
            return
        if self.camera is None:
            if not self.start():
                return
            if not self.image_capture.isReadyForCapture():
                self._capture_when_ready = True
                return
        if not self.image_capture.isReadyForCapture():
            self.problem.emit("高拍仪尚未就绪，请稍候再按 F3")
            return
        if self._pending:
            self.problem.emit("上一张还在拍摄中，请稍候")
            return
        request = self.image_capture.capture()
        if request < 0:
            self.problem.emit(f"无法拍摄：{self.image_capture.errorString() or '高拍仪未响应'}")
            return
        self._pending.add(request)

    def _ready_changed(self, ready: bool) -> None:
        if ready and self._capture_when_ready:
            self._capture_when_ready = False
            self.capture_page()

    def _image(self, request: int, image) -> None:
        if request not in self._pending:
            return                           # after an unplug or a stop: dropped
        self._pending.discard(request)
        if image is None or image.isNull():
            self.problem.emit("高拍仪送来的画面是空的，本张未保存，请重拍")
            return
        self.capture_count += 1
        self.captured.emit(image)

    def _capture_error(self, request: int, _error, text: str) -> None:
        self._pending.discard(request)
        self.problem.emit(f"拍摄失败：{text or '未知错误'}（本张未保存）")

    def _camera_error(self, _error, text: str) -> None:
        self._lost(f"高拍仪出错（{text or '设备不可用'}）")

    def _lost(self, reason: str) -> None:
        in_flight = bool(self._pending)
        self.stop()
        text = (f"{reason}：{'正在拍摄的一张未保存，' if in_flight else ''}已保存的页面不受影响。"
                "请重新连接后按“开启高拍仪”。")
        self.message.setStyleSheet("color: #b00020; font-weight: bold")
        self.message.setText(text)
        self.problem.emit(text)

    def keyPressEvent(self, event) -> None:  # noqa: N802
        # Space on the live picture captures too (the hand is on the paper, not the keys).
        if event.key() == Qt.Key.Key_Space and self.camera is not None:
            self.capture_page()
            event.accept()
            return
        super().keyPressEvent(event)
