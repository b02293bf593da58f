"""Content-addressed, resumable file uploads (documents, scans).

Layout under the files folder::

    ab/abcdef…          complete files, named by their SHA-256
    partial/abcdef…     an upload in progress: the bytes received so far, in order
    partial/abcdef….lock  held (flock) while a PUT writes, so two never interleave

The offset a client resumes at is the partial file's size on disk: whatever was
received before a cut connection (or a crash) is kept. When the declared length is
reached the SHA-256 is checked; a mismatch discards the partial upload (422). The
database row (``files``) records the declared size, who uploaded it, and whether it
is complete; a complete file is moved into place before its row says so.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import os
import re
from contextlib import contextmanager
from pathlib import Path
from collections.abc import Iterator

from sqlalchemy.engine import make_url

from sync.protocol import HEX64, MAX_FILE_BYTES

from .protocol import ApiError

READ_CHUNK = 1024 * 1024


def default_dir(db_url: str) -> Path:
    """A folder next to an SQLite database; ./central-files for PostgreSQL."""
    url = make_url(db_url)
    if url.get_backend_name() == "sqlite" and url.database:
        db = Path(url.database).expanduser().resolve()
        return db.with_name(db.stem + "-files")
    return Path("central-files").resolve()


def check_sha(sha256: str) -> str:
    value = sha256.lower()
    if not HEX64.fullmatch(value):
        raise ApiError(400, "bad_request", "文件地址应为文件内容的 SHA-256（64位十六进制数）")
    return value


def header_int(value: str | None, name: str, *, required: bool = True) -> int | None:
    if value is None:
        if required:
            raise ApiError(400, "bad_request", f"缺少请求头 {name}")
        return None
    number = ascii_int(value.strip(), 15)
    if number is None:
        raise ApiError(400, "bad_request", f"请求头 {name} 应为非负整数（ASCII 数字，至多15位）")
    return number


_DIGITS = re.compile(r"[0-9]+")


def ascii_int(value: str, max_digits: int) -> int | None:
    """A non-negative whole number written in ASCII digits, at most ``max_digits`` of
    them; None otherwise. Not ``str.isdigit``: it accepts "²" and "١", which ``int``
    then refuses (or reads) — a 500 where a 400 was due."""
    if len(value) > max_digits or not _DIGITS.fullmatch(value):
        return None
    return int(value)


class UploadLock:
    """An exclusive, non-blocking lock on one upload (works across processes)."""

    def __init__(self, path: Path):
        self.path, self.fd = path, None

    def __enter__(self):
        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            os.close(self.fd)
            self.fd = None
            if exc.errno in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                raise ApiError(409, "upload_busy", "该文件正在由另一个连接上传，请稍后再试") from None
            raise
        return self

    def __exit__(self, *exc):
        fcntl.flock(self.fd, fcntl.LOCK_UN)
        os.close(self.fd)
        self.fd = None


class FileStore:
    def __init__(self, root: Path):
        self.root = Path(root)
        (self.root / "partial").mkdir(parents=True, exist_ok=True)
        self.active: set[str] = set()

    def final_path(self, sha: str) -> Path:
        return self.root / sha[:2] / sha

    def relative(self, sha: str) -> str:
        return f"{sha[:2]}/{sha}"

    def partial_path(self, sha: str) -> Path:
        return self.root / "partial" / sha

    @contextmanager
    def lock(self, sha: str) -> Iterator[None]:
        """Held by a PUT while it writes: exclusive across processes (flock), and
        visible to this process's HEAD (which waits for it to settle)."""
        with UploadLock(self.root / "partial" / f"{sha}.lock"):
            self.active.add(sha)
            try:
                yield
            finally:
                self.active.discard(sha)

    def busy(self, sha: str) -> bool:
        """Whether a PUT is writing this upload right now: one of this process, or of
        another worker process (then its lock file is held)."""
        if sha in self.active:
            return True
        try:
            fd = os.open(self.root / "partial" / f"{sha}.lock", os.O_RDWR)
        except FileNotFoundError:
            return False
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
            fcntl.flock(fd, fcntl.LOCK_UN)
            return False
        except OSError as exc:
            if exc.errno in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                return True
            raise
        finally:
            os.close(fd)

    def offset(self, sha: str) -> int:
        try:
            return self.partial_path(sha).stat().st_size
        except FileNotFoundError:
            return 0

    def discard(self, sha: str) -> None:
        self.partial_path(sha).unlink(missing_ok=True)

    @staticmethod
    def digest(path: Path) -> str:
        h = hashlib.sha256()
        with open(path, "rb") as f:
            while chunk := f.read(READ_CHUNK):
                h.update(chunk)
        return h.hexdigest()

    def finish(self, sha: str) -> bool:
        """Check the complete partial upload and move it into place; False (and the
        partial discarded) if its SHA-256 is not the one named."""
        partial = self.partial_path(sha)
        if self.digest(partial) != sha:
            self.discard(sha)
            return False
        target = self.final_path(sha)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(partial, target)
        _fsync_dir(target.parent)
        return True


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def check_lengths(total: int, offset: int, content_length: int | None) -> None:
    if total > MAX_FILE_BYTES:
        raise ApiError(413, "too_large", f"文件超过{MAX_FILE_BYTES // (1024 * 1024)} MiB 的上限")
    if offset > total:
        raise ApiError(400, "bad_request", "Upload-Offset 超过了 Upload-Length")
    if content_length is not None and offset + content_length > total:
        raise ApiError(400, "bad_request", "本次上传的数据超过了 Upload-Length 声明的文件长度")
