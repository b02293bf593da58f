"""Every Qt import of the application goes through here, so a Qt upgrade is one file."""

from PyQt6.QtCore import (QAbstractListModel, QAbstractTableModel, QDate, QEvent, QElapsedTimer,
                          QItemSelectionModel, QModelIndex, QObject, QRunnable, QSortFilterProxyModel, Qt, QThreadPool,
                          QTimer, pyqtSignal, pyqtSlot)
from PyQt6.QtGui import (QAction, QColor, QFont, QFontDatabase, QGuiApplication, QKeyEvent,
                         QKeySequence, QShortcut)
from PyQt6.QtWidgets import (QAbstractItemView, QApplication, QButtonGroup, QCheckBox, QComboBox,
                             QDateEdit, QDialog, QDialogButtonBox, QFormLayout, QFrame, QGridLayout,
                             QGroupBox, QHBoxLayout, QHeaderView, QInputDialog, QLabel, QLineEdit,
                             QListView,
                             QMainWindow, QMessageBox, QPlainTextEdit, QProgressBar, QPushButton,
                             QRadioButton,
                             QSplitter, QStatusBar, QStyledItemDelegate, QTableView, QTabWidget,
                             QTextBrowser, QVBoxLayout, QWidget)

__all__ = [name for name in dir() if name[0].isupper() or name.startswith("pyqt")]
