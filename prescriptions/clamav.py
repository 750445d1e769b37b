"""A minimal ClamAV daemon client: the INSTREAM command over a socket.

clamd protocol (clamd(8)): send ``zINSTREAM\\0``, then the data as chunks,
each a 4-byte big-endian length followed by that many bytes, then a chunk of
length zero. clamd answers one NUL-terminated line: ``stream: OK``,
``stream: <signature> FOUND`` or ``<message> ERROR`` (for instance when the
stream is longer than its ``StreamMaxLength``).

Configured by ``CLAMD_SOCKET`` (a unix socket path) or ``CLAMD_HOST`` and
``CLAMD_PORT``; ``CLAMD_TIMEOUT`` seconds for each socket operation.
"""

from __future__ import annotations

import socket
import struct
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings

CHUNK_SIZE = 64 * 1024


class ScannerError(RuntimeError):
    """clamd answered, but not with a verdict (e.g. size limit exceeded)."""


@dataclass(frozen=True)
class ScanResult:
    infected: bool
    signature: str = ""
    reply: str = ""


def scanner_configured() -> bool:
    return bool(getattr(settings, "CLAMD_SOCKET", "") or getattr(settings, "CLAMD_HOST", ""))


def scanner_description() -> str:
    if getattr(settings, "CLAMD_SOCKET", ""):
        return f"clamd at {settings.CLAMD_SOCKET}"
    if getattr(settings, "CLAMD_HOST", ""):
        return f"clamd at {settings.CLAMD_HOST}:{getattr(settings, 'CLAMD_PORT', 3310)}"
    return "no virus scanner configured"


def _connect() -> socket.socket:
    timeout = float(getattr(settings, "CLAMD_TIMEOUT", 30.0))
    path = getattr(settings, "CLAMD_SOCKET", "")
    if path:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(timeout)
        try:
            sock.connect(path)
        except OSError:
            sock.close()
            raise
        return sock
    host = getattr(settings, "CLAMD_HOST", "")
    if not host:
        raise ScannerError("No virus scanner is configured (CLAMD_SOCKET or CLAMD_HOST).")
    return socket.create_connection((host, int(getattr(settings, "CLAMD_PORT", 3310))), timeout=timeout)


def instream(chunks: Iterable[bytes]) -> ScanResult:
    """Scan a stream of bytes. Raises OSError (incl. ConnectionError, timeouts)
    if clamd cannot be reached, ``ScannerError`` if it gives no verdict."""
    with _connect() as sock:
        try:
            sock.sendall(b"zINSTREAM\0")
            for chunk in chunks:
                for start in range(0, len(chunk), CHUNK_SIZE):
                    part = chunk[start : start + CHUNK_SIZE]
                    sock.sendall(struct.pack("!I", len(part)) + part)
            sock.sendall(struct.pack("!I", 0))
        except (BrokenPipeError, ConnectionResetError):
            # clamd stops reading when the stream is too long, and says why.
            pass
        reply = _read_reply(sock)
    return parse_reply(reply)


def ping() -> bool:
    with _connect() as sock:
        sock.sendall(b"zPING\0")
        return _read_reply(sock) == "PONG"


def _read_reply(sock: socket.socket) -> str:
    data = bytearray()
    while b"\0" not in data and len(data) < 4096:
        try:
            part = sock.recv(4096)
        except ConnectionResetError:
            break
        if not part:
            break
        data.extend(part)
    return bytes(data).split(b"\0", 1)[0].decode("utf-8", "replace").strip()


def parse_reply(reply: str) -> ScanResult:
    if reply.endswith(" FOUND"):
        body = reply[: -len(" FOUND")]
        signature = body.split(": ", 1)[1] if ": " in body else body
        return ScanResult(infected=True, signature=signature.strip(), reply=reply)
    if reply.endswith(" OK") or reply == "OK":
        return ScanResult(infected=False, reply=reply)
    raise ScannerError(reply or "clamd closed the connection without a reply")
