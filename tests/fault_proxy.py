"""A fault-injecting HTTP/1.1 proxy on loopback, between the sync client and a real
central server, for the sync fault tests.

It understands just enough HTTP/1.1 framing (Content-Length and chunked bodies,
HEAD and bodiless statuses) to act per request while the client keeps its
connections alive. For each request it decides, from a seeded ``random.Random``
(so a given seed and the same sequence of requests give the same faults), to:

* ``drop``      close the client's connection without forwarding anything;
* ``delay``     wait a little, then forward normally;
* ``duplicate`` send the same request bytes to the server twice, on two upstream
                connections of their own (slightly staggered, so the two race at
                the centre), and give the client one of the two answers;
* ``cut``       forward the request, then give the client only a prefix of the
                server's answer and close (the server did the work; the answer is
                lost on the way back);
* ``garble``    forward the request, then give the client the server's status and
                headers with another body (junk bytes of the same length, or the
                body a test forces), correctly framed: garbage that arrives whole;
* or forward it untouched.

``force()`` queues faults for the next matching requests, ahead of the random draw,
for tests that need one fault at one place. Every fault injected is counted in
``counts`` (and, by request path, in ``by_path``), so a test can check that the
faults it relies on really happened.

Only 127.0.0.1 is listened on and connected to; every socket has a timeout and
``stop()`` closes them all and joins the threads, so a test cannot hang on it.
"""

from __future__ import annotations

import random
import socket
import threading
import time
from collections import Counter, deque
from dataclasses import dataclass

FAULTS = ("drop", "delay", "duplicate", "cut", "garble")
LOOPBACK = "127.0.0.1"
MAX_HEAD = 64 * 1024


class _Closed(Exception):
    """The peer closed (or broke) the connection."""


class _Reader:
    """Buffered reads of HTTP framing from a socket."""

    def __init__(self, sock: socket.socket):
        self.sock, self.buf = sock, b""

    def _more(self) -> None:
        try:
            data = self.sock.recv(65536)
        except OSError as exc:
            raise _Closed(str(exc)) from None
        if not data:
            raise _Closed("eof")
        self.buf += data

    def until(self, delimiter: bytes, limit: int = MAX_HEAD) -> bytes:
        while delimiter not in self.buf:
            if len(self.buf) > limit:
                raise _Closed("head too long")
            self._more()
        end = self.buf.index(delimiter) + len(delimiter)
        out, self.buf = self.buf[:end], self.buf[end:]
        return out

    def exact(self, n: int) -> bytes:
        while len(self.buf) < n:
            self._more()
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def rest(self) -> bytes:
        """Everything until the peer closes (a body framed by the end of the connection)."""
        try:
            while True:
                self._more()
        except _Closed:
            pass
        out, self.buf = self.buf, b""
        return out

    def idle(self) -> bool:
        return not self.buf


@dataclass
class _Message:
    head: bytes           # start line and headers, up to and including the blank line
    body: bytes           # as framed on the wire (chunked stays chunked)
    start: str            # the start line
    headers: dict[str, str]

    @property
    def raw(self) -> bytes:
        return self.head + self.body


def _parse_head(head: bytes) -> tuple[str, dict[str, str]]:
    lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
    return lines[0], headers


def _read_body(reader: _Reader, headers: dict[str, str], *, until_close: bool) -> bytes:
    if "chunked" in headers.get("transfer-encoding", "").lower():
        out = b""
        while True:
            line = reader.until(b"\r\n")
            out += line
            size = int(line.split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while True:                      # trailers, then the blank line
                    trailer = reader.until(b"\r\n")
                    out += trailer
                    if trailer == b"\r\n":
                        return out
            out += reader.exact(size + 2)
    if "content-length" in headers:
        return reader.exact(int(headers["content-length"]))
    return reader.rest() if until_close else b""


def _read_request(reader: _Reader) -> _Message:
    head = reader.until(b"\r\n\r\n")
    start, headers = _parse_head(head)
    return _Message(head, _read_body(reader, headers, until_close=False), start, headers)


def _read_response(reader: _Reader, method: str) -> _Message:
    while True:
        head = reader.until(b"\r\n\r\n")
        start, headers = _parse_head(head)
        status = int(start.split()[1])
        if status >= 200 or status == 101:
            break                                 # skip interim 1xx answers
    if method == "HEAD" or status in (204, 304) or 100 <= status < 200:
        body = b""
    else:
        body = _read_body(reader, headers, until_close=True)
    return _Message(head, body, start, headers)


def _garbled(answer: _Message, body: bytes | None) -> bytes:
    """The answer's status and headers around another body, framed by Content-Length."""
    if body is None:
        body = b"\xff" * max(1, len(answer.body))     # never UTF-8, never JSON
    lines = [line for line in answer.head.decode("latin-1").split("\r\n")[1:]
             if line and line.split(":", 1)[0].strip().lower()
             not in ("content-length", "transfer-encoding")]
    head = "\r\n".join([answer.start, *lines, f"content-length: {len(body)}", "", ""])
    return head.encode("latin-1") + body


@dataclass
class _Decision:
    fault: str | None
    delay: float = 0.0
    cut_at: float = 0.5          # fraction of the answer's bytes given to the client
    pick: int = 0                # which of the duplicated answers the client gets
    stagger: float = 0.0         # head start of the first duplicate
    body: bytes | None = None    # what a garbled answer carries instead of the server's


class FaultProxy:
    """``FaultProxy(upstream_port, seed=…, drop=…, delay=…, duplicate=…, cut=…)``:
    rates are probabilities per request (their sum at most 1)."""

    def __init__(self, upstream_port: int, *, seed: int = 0, drop: float = 0.0,
                 delay: float = 0.0, duplicate: float = 0.0, cut: float = 0.0,
                 garble: float = 0.0, max_delay: float = 0.2, io_timeout: float = 30.0):
        self.upstream = (LOOPBACK, upstream_port)
        self.rng = random.Random(seed)
        self.max_delay, self.io_timeout = max_delay, io_timeout
        self.rates: dict[str, float] = {}
        self.set_rates(drop=drop, delay=delay, duplicate=duplicate, cut=cut, garble=garble)
        self.counts: Counter = Counter()
        self.by_path: Counter = Counter()          # (fault, path) -> times
        self.upstream_status: Counter = Counter()  # status code -> answers from the server
        self.upstream_errors = 0
        self._forced: deque = deque()
        self._lock = threading.Lock()
        self._sockets: set[socket.socket] = set()
        self._threads: list[threading.Thread] = []
        self._stopping = threading.Event()
        self._listener: socket.socket | None = None
        self.port: int | None = None

    # ---------------------------------------------------------------- control

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    def set_rates(self, **rates: float) -> None:
        unknown = set(rates) - set(FAULTS)
        if unknown:
            raise ValueError(f"unknown faults {unknown}")
        merged = {**self.rates, **rates}
        if sum(merged.values()) > 1.0 + 1e-9:
            raise ValueError("fault rates add up to more than 1")
        self.rates = merged

    def quiet(self) -> None:
        self.set_rates(**{f: 0.0 for f in FAULTS})

    def force(self, fault: str, times: int = 1, *, path: str | None = None, cut_at: float = 0.5,
              delay: float = 0.0, body: bytes | None = None) -> None:
        """Inject ``fault`` on the next ``times`` requests whose path starts with ``path``."""
        if fault not in FAULTS:
            raise ValueError(fault)
        with self._lock:
            for _ in range(times):
                self._forced.append((path, _Decision(fault, delay=delay, cut_at=cut_at,
                                                     stagger=0.02, body=body)))

    def start(self) -> FaultProxy:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((LOOPBACK, 0))
        listener.listen(128)
        listener.settimeout(0.2)             # so the accept loop notices stop()
        self._listener, self.port = listener, listener.getsockname()[1]
        self._spawn(self._accept_loop)
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._listener is not None:
            self._listener.close()
        with self._lock:
            for sock in list(self._sockets):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                sock.close()
        for thread in list(self._threads):
            thread.join(timeout=5)

    def __enter__(self) -> FaultProxy:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # ---------------------------------------------------------------- machinery

    def _spawn(self, target, *args) -> threading.Thread:
        thread = threading.Thread(target=target, args=args, daemon=True)
        with self._lock:
            self._threads = [t for t in self._threads if t.is_alive()]
            self._threads.append(thread)
        thread.start()
        return thread

    def _track(self, sock: socket.socket) -> socket.socket:
        sock.settimeout(self.io_timeout)
        with self._lock:
            self._sockets.add(sock)
        return sock

    def _close(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.discard(sock)
        try:
            sock.close()
        except OSError:
            pass

    def _accept_loop(self) -> None:
        while not self._stopping.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self._spawn(self._serve, self._track(conn))

    def _decide(self, path: str) -> _Decision:
        # Under the lock, and every random number drawn here whatever the outcome, so
        # the sequence of decisions depends only on the seed and the request order.
        with self._lock:
            for i, (prefix, decision) in enumerate(self._forced):
                if prefix is None or path.startswith(prefix):
                    del self._forced[i]
                    return decision
            r = self.rng.random()
            decision = _Decision(None, delay=self.rng.uniform(0, self.max_delay),
                                 cut_at=self.rng.uniform(0.05, 0.95), pick=self.rng.randrange(2),
                                 stagger=self.rng.uniform(0, 0.05))
            edge = 0.0
            for fault in FAULTS:
                edge += self.rates.get(fault, 0.0)
                if r < edge:
                    decision.fault = fault
                    break
            return decision

    def _count(self, fault: str, path: str) -> None:
        with self._lock:
            self.counts[fault] += 1
            self.by_path[(fault, path)] += 1

    def _forward(self, request: _Message, method: str) -> _Message | None:
        """One upstream round trip on a connection of its own; None if it failed."""
        try:
            upstream = self._track(socket.create_connection(self.upstream, timeout=self.io_timeout))
        except OSError:
            with self._lock:
                self.upstream_errors += 1
            return None
        try:
            upstream.sendall(request.raw)
            answer = _read_response(_Reader(upstream), method)
        except (OSError, _Closed, ValueError, IndexError):
            with self._lock:
                self.upstream_errors += 1
            return None
        finally:
            self._close(upstream)
        with self._lock:
            self.upstream_status[int(answer.start.split()[1])] += 1
        return answer

    def _duplicate(self, request: _Message, method: str, decision: _Decision) -> _Message | None:
        answers: list[_Message | None] = [None, None]

        def one(i: int) -> None:
            if i == 1:
                time.sleep(decision.stagger)
            answers[i] = self._forward(request, method)

        threads = [threading.Thread(target=one, args=(i,), daemon=True) for i in (0, 1)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=self.io_timeout * 2)
        return answers[decision.pick] or answers[1 - decision.pick]

    def _serve(self, client: socket.socket) -> None:
        reader = _Reader(client)
        try:
            while not self._stopping.is_set():
                try:
                    request = _read_request(reader)
                except (_Closed, ValueError):
                    return
                parts = request.start.split()
                if len(parts) < 2:
                    return
                method, path = parts[0].upper(), parts[1].split("?", 1)[0]
                decision = self._decide(path)
                if decision.fault:
                    self._count(decision.fault, path)
                if decision.fault == "drop":
                    return                                  # closed in finally
                if decision.fault == "delay":
                    time.sleep(decision.delay)
                if decision.fault == "duplicate":
                    answer = self._duplicate(request, method, decision)
                else:
                    answer = self._forward(request, method)
                if answer is None:
                    return                                  # the server is gone: so is this connection
                raw = answer.raw
                if decision.fault == "garble" and method != "HEAD":   # HEAD has no body to spoil
                    raw = _garbled(answer, decision.body)
                if decision.fault == "cut":
                    cut = min(max(1, int(len(raw) * decision.cut_at)), len(raw) - 1)
                    client.sendall(raw[:cut])
                    return
                client.sendall(raw)
                if answer.headers.get("connection", "").lower() == "close" or \
                        request.headers.get("connection", "").lower() == "close":
                    return
        except OSError:
            return
        finally:
            self._close(client)
