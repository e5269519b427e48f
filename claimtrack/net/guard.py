"""Which addresses a fetch may reach, and a network backend that enforces it and the
fetch's deadline on every connection.

A link's URL comes from other people (a colleague's push, an imported ClaimReview, a
page's redirect), so a fetch must not be a way into the user's own machine or network:
an address that is not globally routable (loopback, private, link-local, which holds
the cloud metadata service at 169.254.169.254, shared, reserved, unspecified) or a
multicast one is refused, unless the user allows it for this command
(``--allow-private``) or in the environment (``CLAIMTRACK_ALLOW_PRIVATE=1``). The test
whether an address may be reached is made on the addresses the host name resolves to,
right before connecting to them (``GuardedBackend.connect_tcp``), so a name that
resolves to 127.0.0.1, a redirect to a private address and a DNS answer that changed
since an earlier check are all caught: the check and the connection use one answer.

The same backend keeps the fetch's one total deadline: every connect, TLS handshake,
read and write waits at most until the deadline, so a server that sends a byte every
second (which no per-read timeout stops) is stopped with ``DeadlineExceeded``.
Name resolution (``getaddrinfo``) has no timeout of its own; the system resolver's
applies.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import time
from collections.abc import Iterable
from typing import Any

import httpcore

ALLOW_PRIVATE_VARIABLE = "CLAIMTRACK_ALLOW_PRIVATE"

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def private_allowed_by_environment() -> bool:
    """Whether ``$CLAIMTRACK_ALLOW_PRIVATE`` is ``1`` (also ``true``, ``yes``)."""
    value = os.environ.get(ALLOW_PRIVATE_VARIABLE, "").strip().lower()
    return value in ("1", "true", "yes")


def why_private(address: IPAddress) -> str | None:
    """Why ``address`` is on the user's own machine or network, in a few words, or None
    when it is a public address a fetch may reach. An IPv4 address written as IPv6
    (``::ffff:127.0.0.1``) is judged as the IPv4 address it is."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address.is_loopback:
        return "this machine (loopback)"
    if address.is_unspecified:  # connecting to 0.0.0.0 or :: reaches this machine
        return "this machine (unspecified address)"
    if address.is_link_local:
        return "a link-local address (where cloud metadata services answer)"
    if address.is_private:
        return "a private network"
    if address.is_multicast:
        return "a multicast address"
    if address.is_reserved or not address.is_global:
        return "an address that is not public"
    return None


class PrivateAddress(Exception):
    """A connection refused: the host resolves to an address on the user's own machine
    or network (``why_private``)."""

    def __init__(self, host: str, address: str, why: str) -> None:
        shown = host if host == address else f"{host} ({address})"
        super().__init__(f"refused to connect to {shown}: {why}")
        self.message = str(self)


class DeadlineExceeded(Exception):
    """The fetch's total deadline passed before it was done."""


class GuardedBackend(httpcore.NetworkBackend):
    """httpcore's own synchronous backend, with the address check (unless
    ``allow_private``) and the deadline (``time.monotonic()`` seconds) applied to every
    connection it makes."""

    def __init__(self, deadline: float, *, allow_private: bool = False) -> None:
        self.deadline = deadline
        self.allow_private = allow_private
        self.inner = httpcore.SyncBackend()

    def remaining(self) -> float:
        """Seconds left before the deadline. Raises ``DeadlineExceeded`` when none."""
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise DeadlineExceeded
        return left

    def bounded(self, timeout: float | None) -> float:
        left = self.remaining()
        return left if timeout is None else min(timeout, left)

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        try:
            found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError) as exc:
            raise httpcore.ConnectError(f"cannot find {host} ({exc})") from None
        addresses = list(dict.fromkeys(str(info[4][0]) for info in found))
        if not self.allow_private:
            for address in addresses:
                why = why_private(ipaddress.ip_address(address.split("%", 1)[0]))
                if why is not None:
                    raise PrivateAddress(host, address, why)
        error: Exception | None = None
        for address in addresses:
            try:
                stream = self.inner.connect_tcp(
                    address, port, self.bounded(timeout), local_address, socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                error = exc
                continue
            return DeadlineStream(stream, self)
        if isinstance(error, httpcore.ConnectTimeout) and self.deadline <= time.monotonic():
            raise DeadlineExceeded
        raise error or httpcore.ConnectError(f"{host} has no address")

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        raise httpcore.ConnectError("claimtrack fetches over TCP only")

    def sleep(self, seconds: float) -> None:
        time.sleep(min(seconds, self.remaining()))


class DeadlineStream(httpcore.NetworkStream):
    """A connection whose every wait ends at its backend's deadline."""

    def __init__(self, inner: httpcore.NetworkStream, backend: GuardedBackend) -> None:
        self.inner = inner
        self.backend = backend

    def _timed_out(self) -> Exception:
        if self.backend.deadline <= time.monotonic():
            return DeadlineExceeded()
        return httpcore.ReadTimeout("timed out")

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        try:
            return self.inner.read(max_bytes, self.backend.bounded(timeout))
        except httpcore.ReadTimeout:
            raise self._timed_out() from None

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        try:
            self.inner.write(buffer, self.backend.bounded(timeout))
        except httpcore.WriteTimeout:
            if self.backend.deadline <= time.monotonic():
                raise DeadlineExceeded from None
            raise

    def close(self) -> None:
        self.inner.close()

    def start_tls(
        self, ssl_context: Any, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        try:
            upgraded = self.inner.start_tls(
                ssl_context, server_hostname, self.backend.bounded(timeout)
            )
        except httpcore.ConnectTimeout:
            if self.backend.deadline <= time.monotonic():
                raise DeadlineExceeded from None
            raise
        return DeadlineStream(upgraded, self.backend)

    def get_extra_info(self, info: str) -> Any:
        return self.inner.get_extra_info(info)
