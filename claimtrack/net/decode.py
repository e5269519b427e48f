"""An answer's body made readable: its content codings undone within a size cap, and
its bytes made text by the page's own charset.

Content codings (``Content-Encoding: gzip``) are undone here, piece by piece, rather
than by the HTTP library: zlib is asked for at most ``PIECE`` bytes at a time, so the
cap on decoded bytes holds however the body was packed. A 269-byte answer packed twice
(``gzip, gzip``) unpacks to gigabytes; it stops at the cap, having used ``PIECE`` bytes
of memory per layer. Only the codings claimtrack asks for (``ACCEPT_ENCODING``) are
undone; another is a clear failure.

The charset is found in the order the product asks for: the ``Content-Type`` header's
``charset``, then a byte-order mark, then the page's ``<meta charset>`` or
``<meta http-equiv="Content-Type">``, then detection (charset-normalizer, the detector
requests and trafilatura use). Charset names are read as browsers read them (w3lib's
WHATWG table: ``latin-1`` is windows-1252). A page whose header says Latin-1 is decoded
as Latin-1 whatever its ``<meta>`` says, as a browser does.
"""

from __future__ import annotations

import codecs
import zlib
from collections.abc import Iterator

# Bytes zlib may produce per call: small enough that a layer's output never fills
# memory, large enough that a 10 MB page takes a few hundred calls.
PIECE = 64 * 1024
ACCEPT_ENCODING = "gzip, deflate"
_GZIP = ("gzip", "x-gzip")


class UnsupportedCoding(Exception):
    """A ``Content-Encoding`` claimtrack did not ask for and cannot undo."""


class BadCoding(Exception):
    """A body that is not what its ``Content-Encoding`` says (corrupt gzip)."""


class TooLarge(Exception):
    """More decoded bytes than the cap."""


def codings(header: str) -> list[str]:
    """The codings of a ``Content-Encoding`` header, in the order they were applied
    (``identity`` left out). Raises ``UnsupportedCoding`` for one not undone here."""
    found = [part.strip().lower() for part in header.split(",") if part.strip()]
    for name in found:
        if name not in (*_GZIP, "deflate", "identity"):
            raise UnsupportedCoding(name)
    return [name for name in found if name != "identity"]


class _Layer:
    """One content coding undone incrementally, ``PIECE`` bytes of output at a time."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.first = True
        wbits = 16 + zlib.MAX_WBITS if name in _GZIP else zlib.MAX_WBITS
        self.inflater = zlib.decompressobj(wbits)

    def feed(self, data: bytes) -> Iterator[bytes]:
        if self.first and self.name == "deflate" and data:
            self.first = False
            # "deflate" is meant to be zlib-wrapped, but many servers send it raw.
            if data[0] & 0x0F != 8:
                self.inflater = zlib.decompressobj(-zlib.MAX_WBITS)
        try:
            out = self.inflater.decompress(data, PIECE)
            while out:
                yield out
                if not self.inflater.unconsumed_tail:
                    break
                out = self.inflater.decompress(self.inflater.unconsumed_tail, PIECE)
        except zlib.error as exc:
            raise BadCoding(f"{self.name}: {exc}") from None

    def flush(self) -> Iterator[bytes]:
        try:
            out = self.inflater.flush(PIECE)
        except zlib.error as exc:
            raise BadCoding(f"{self.name}: {exc}") from None
        if out:
            yield out


class BodyDecoder:
    """Raw body pieces in, decoded body out, at most ``limit`` bytes of it in all.

    ``feed`` and ``finish`` raise ``TooLarge`` as soon as the decoded body passes
    ``limit``, ``BadCoding`` for a corrupt one."""

    def __init__(self, content_encoding: str, limit: int) -> None:
        self.layers = [_Layer(name) for name in reversed(codings(content_encoding))]
        self.limit = limit
        self.size = 0
        self.pieces: list[bytes] = []

    def _through(self, data: bytes, start: int) -> Iterator[bytes]:
        if start == len(self.layers):
            yield data
            return
        for out in self.layers[start].feed(data):
            yield from self._through(out, start + 1)

    def _keep(self, piece: bytes) -> None:
        self.size += len(piece)
        if self.size > self.limit:
            raise TooLarge
        self.pieces.append(piece)

    def feed(self, data: bytes) -> None:
        for piece in self._through(data, 0):
            self._keep(piece)

    def finish(self) -> bytes:
        """The whole decoded body (after the last ``feed``)."""
        for index, layer in enumerate(self.layers):
            for out in layer.flush():
                for piece in self._through(out, index + 1):
                    self._keep(piece)
        return b"".join(self.pieces)


def header_charset(content_type: str) -> str | None:
    """The charset a ``Content-Type`` value names, when Python has a codec for it."""
    from w3lib.encoding import http_content_type_encoding

    return http_content_type_encoding(content_type) or None


def page_charset(body: bytes, content_type: str = "") -> str:
    """The charset of an HTML page: header, byte-order mark, ``<meta>``, detection, in
    that order (see the module's docstring); UTF-8 when nothing says and detection finds
    nothing. A codec name Python knows."""
    from w3lib.encoding import html_body_declared_encoding, read_bom

    found = header_charset(content_type)
    if found:
        return found
    bom, _ = read_bom(body)
    if bom:
        return str(bom)
    declared = html_body_declared_encoding(body)
    if declared:
        return str(declared)
    if _is_utf8(body):
        return "utf-8"
    return _detected(body)


def _detected(body: bytes) -> str:
    """charset-normalizer's best guess; among guesses it scores alike, windows-1252,
    the web's default for pages that say nothing (WHATWG Encoding, "legacy single-byte
    encodings"): a French page is not Central European because the letters fit both."""
    from charset_normalizer import from_bytes

    found = from_bytes(body[:200_000])
    best = found.best()
    if best is None:
        return "utf-8"
    for match in found:
        alike = match.chaos == best.chaos and match.coherence == best.coherence
        if alike and "cp1252" in match.could_be_from_charset:
            return "cp1252"
    return str(best.encoding)


def _is_utf8(body: bytes) -> bool:
    try:
        body.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start > len(body) - 4  # cut in the middle of a character by a cap
    return True


def page_text(body: bytes, content_type: str = "") -> str:
    """An HTML page's bytes as text, in its charset (``page_charset``); a byte-order
    mark is dropped and bytes the charset cannot map become U+FFFD."""
    charset = page_charset(body, content_type)
    try:
        decoder = codecs.getincrementaldecoder(charset)(errors="replace")
    except LookupError:
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    text = decoder.decode(body, final=True)
    return text[1:] if text.startswith("\ufeff") else text
