"""Talking to the central server: one HTTP client with timeouts, bounded retries
(exponential backoff with jitter, tenacity) and plain-language failures.

Only transport failures and 5xx answers are retried; a 4xx is the server's
considered answer and is reported at once. Anything that is not the JSON the
protocol promises is a failure, never an acknowledgement.
"""

from __future__ import annotations

import httpx
from tenacity import (
    RetryError,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_random_exponential,
)

from sync.protocol import BASE
from workstation.domain.errors import DomainError
from workstation.shared.files import loads_json

TIMEOUT = httpx.Timeout(20.0, connect=5.0)
ATTEMPTS = 3
# The largest JSON answer taken from the centre (a page of changes is far smaller);
# nested no deeper than workstation.shared.files.MAX_JSON_DEPTH.
MAX_ANSWER_BYTES = 32 * 1024 * 1024


class Offline(DomainError):
    """The centre cannot be reached (or answered nonsense): work stays local."""


class Refused(DomainError):
    """The centre answered with an error of its own (4xx)."""

    def __init__(self, message: str, status: int, code: str = ""):
        super().__init__(message)
        self.status, self.code = status, code


class _Transient(Exception):
    pass


def check_server_url(url) -> str:
    if not isinstance(url, str):
        raise DomainError("中心服务器地址应为文字", "server")
    url = url.strip().rstrip("/")
    if not url:
        raise DomainError("请填写中心服务器地址，如 https://zwfw.example.gov.cn:8443", "server")
    if len(url) > 200:
        raise DomainError("中心服务器地址过长（至多200个字符）", "server")
    if not url.isprintable() or any(c.isspace() for c in url):
        raise DomainError("中心服务器地址中有空格、换行或控制字符，请重新填写", "server")
    if not url.lower().startswith(("http://", "https://")):
        raise DomainError("中心服务器地址应以 http:// 或 https:// 开头，如 https://zwfw.example.gov.cn:8443",
                          "server")
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, ValueError):
        parsed = None
    if parsed is None or not parsed.host or parsed.userinfo or parsed.query or parsed.fragment \
            or not (parsed.port is None or 0 < parsed.port < 65536):
        raise DomainError("中心服务器地址写法有误：应为 https://主机名[:端口]，如 https://zwfw.example.gov.cn:8443",
                          "server")
    if parsed.scheme == "http" and not is_loopback(parsed.host):
        # The token, applicants' records and signed documents would cross the network
        # readable and changeable by anyone on the way: plain http only to this machine.
        raise DomainError(f"中心服务器地址 {url[:80]} 用的是不加密的 http://：终端令牌和申请人信息会以明文"
                          "经过网络。请改用 https://（仅本机测试可用 http://127.0.0.1 或 http://localhost）",
                          "server")
    return url


def is_loopback(host: str) -> bool:
    """127.0.0.0/8, ::1 or localhost: a connection that never leaves this machine."""
    import ipaddress

    if host.lower().rstrip(".") == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class Central:
    """A connection to one central server, with or without the terminal's token."""

    def __init__(self, base_url: str, token: str | None = None, *, attempts: int = ATTEMPTS,
                 transport: httpx.BaseTransport | None = None):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.base_url = check_server_url(base_url)
        self.attempts = attempts
        self.http = httpx.Client(base_url=self.base_url + BASE, headers=headers, timeout=TIMEOUT,
                                 transport=transport)

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> Central:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def request(self, method: str, path: str, *, expect=(200,), **kwargs) -> httpx.Response:
        def once() -> httpx.Response:
            try:
                response = self.http.request(method, path, **kwargs)
            except httpx.HTTPError as exc:
                raise _Transient(_transport_message(exc)) from exc
            if response.status_code >= 500:
                raise _Transient(f"中心服务器出错（HTTP {response.status_code}），稍后自动重试")
            return response

        try:
            for attempt in Retrying(stop=stop_after_attempt(self.attempts),
                                    wait=wait_random_exponential(multiplier=0.3, max=4),
                                    retry=retry_if_exception_type(_Transient), reraise=False):
                with attempt:
                    response = once()
        except RetryError as exc:
            raise Offline(str(exc.last_attempt.exception())) from None
        if response.status_code not in expect:
            code, message = _error_of(response)
            raise Refused(message, response.status_code, code)
        return response

    def json(self, method: str, path: str, *, expect=(200,), **kwargs) -> dict:
        response = self.request(method, path, expect=expect, **kwargs)
        if len(response.content) > MAX_ANSWER_BYTES:
            raise Offline("中心服务器返回的内容过大，未予处理，稍后自动重试")
        try:
            data = loads_json(response.content, what="中心服务器的答复")
        except DomainError:
            raise Offline("中心服务器返回的内容无法识别，稍后自动重试") from None
        if not isinstance(data, dict):
            raise Offline("中心服务器返回的内容无法识别，稍后自动重试")
        return data


def _transport_message(exc: httpx.HTTPError) -> str:
    if isinstance(exc, httpx.ConnectError):
        return "连不上中心服务器（网络不通或服务器未开），办理照常，联网后自动同步"
    if isinstance(exc, httpx.TimeoutException):
        return "中心服务器响应超时，稍后自动重试"
    return "与中心服务器的连接中断，稍后自动重试"


def _error_of(response: httpx.Response) -> tuple[str, str]:
    try:
        body = response.json()
        if isinstance(body, dict) and isinstance(body.get("message"), str):
            return str(body.get("error", "")), body["message"][:300]
    except ValueError:
        pass
    if response.status_code == 401:
        return "unauthorized", "终端令牌无效或已吊销，请重新登记"
    return "", f"中心服务器拒绝了请求（HTTP {response.status_code}）"
