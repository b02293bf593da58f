"""电子材料 screens: capture at the counter (capture.py, camera.py) and the viewer for
the back office and the counter (viewer.py); pictures are decoded off the GUI thread
(images.py)."""

from .capture import CaptureDialog
from .viewer import MaterialsViewer

__all__ = ["CaptureDialog", "MaterialsViewer"]
