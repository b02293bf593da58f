"""Every Qt import of the application goes through here, so a Qt upgrade is one file."""

from PyQt6 import sip
from PyQt6.QtCore import (QAbstractListModel, QAbstractTableModel, QBuffer, QByteArray, QDate, QEvent,
                          QElapsedTimer, QFileSystemWatcher, QIODevice, QItemSelectionModel, QMimeData,
                          QModelIndex, QObject, QPointF, QRectF, QRunnable, QSize, QSortFilterProxyModel, Qt,
                          QThreadPool, QTimer, QUrl, pyqtSignal, pyqtSlot)
from PyQt6.QtGui import (QAction, QColor, QFont, QFontDatabase, QGuiApplication, QIcon, QImage,
                         QImageReader, QKeyEvent, QKeySequence, QPainter, QPixmap, QShortcut, QTransform)
from PyQt6.QtWidgets import (QAbstractItemView, QApplication, QButtonGroup, QCheckBox, QComboBox,
                             QDateEdit, QDialog, QDialogButtonBox, QFileDialog, QFormLayout, QFrame,
                             QGraphicsPixmapItem, QGraphicsScene, QGraphicsView, QGridLayout,
                             QGroupBox, QHBoxLayout, QHeaderView, QInputDialog, QLabel, QLineEdit,
                             QListView,
                             QMainWindow, QMessageBox, QPlainTextEdit, QProgressBar, QPushButton,
                             QRadioButton,
                             QSplitter, QStatusBar, QStyledItemDelegate, QTableView, QTabWidget,
                             QTextBrowser, QVBoxLayout, QWidget)

__all__ = [name for name in dir() if name[0].isupper() or name.startswith("pyqt")]


def multimedia():
    """Qt Multimedia (the document camera), imported only when a camera is wanted: a
    namespace with QMediaDevices, QCamera, QCameraDevice, QMediaCaptureSession,
    QImageCapture and QVideoWidget. Raises ImportError when PyQt6.QtMultimedia (or the
    system libraries it needs, such as libpulse) is not there."""
    from types import SimpleNamespace

    from PyQt6 import QtMultimedia, QtMultimediaWidgets

    return SimpleNamespace(QMediaDevices=QtMultimedia.QMediaDevices, QCamera=QtMultimedia.QCamera,
                           QCameraDevice=QtMultimedia.QCameraDevice,
                           QMediaCaptureSession=QtMultimedia.QMediaCaptureSession,
                           QImageCapture=QtMultimedia.QImageCapture,
                           QVideoWidget=QtMultimediaWidgets.QVideoWidget)
