"""gzip for text responses, and a gzip body compressed once with holes for per-request values.

Two users:

- `portal.middleware.CompressionMiddleware` (Django's GZipMiddleware restricted to text types) compresses
  every HTML, JSON, XML, CSS, JavaScript and plain-text response for clients that accept gzip.
- The anonymous page cache (`portal.page_cache`) keeps each page as a `HoleyGzip`: compressed once when the
  page is stored, with a hole wherever the visitor's own CSRF token goes. A hit only fills the holes (each
  as a stored deflate block, no compressor state) and frames the stream as gzip; the CRC-32 of the whole
  is combined from the precomputed CRCs of the pieces. Clients that do not accept gzip (wrk in
  `make bench`, curl, some bots) get the plain bytes kept next to the compressed ones: joining them is
  ~20x cheaper than inflating a 150 KB page again on every hit, for ~8% more cache memory.

BREACH: like Django's GZipMiddleware (4.2+), every gzip body gets 0-99 random bytes of padding in the gzip
header's file-name field ("Heal the BREACH"), and Django masks CSRF tokens differently in every response,
so compressing pages that carry a token next to reflected input does not leak the token.
"""

from __future__ import annotations

import secrets
import struct
import zlib
from dataclasses import dataclass
from functools import lru_cache

COMPRESSIBLE_TYPES = (
    "text/",
    "application/json",
    "application/xml",
    "application/javascript",
    "application/ld+json",
    "application/manifest+json",
    "image/svg+xml",
)
MAX_RANDOM_BYTES = 100
LEVEL = 6
_CRC_POLY = 0xEDB88320


def compressible(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media.startswith(COMPRESSIBLE_TYPES) or media.endswith(("+xml", "+json"))


def accepts_gzip(request) -> bool:
    """Whether the client accepts gzip (`gzip` or `*` in Accept-Encoding, without q=0)."""
    for item in request.META.get("HTTP_ACCEPT_ENCODING", "").split(","):
        coding, *params = (part.strip() for part in item.split(";"))
        if coding.lower() not in ("gzip", "x-gzip", "*"):
            continue
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality > 0:
            return True
    return False


# --- CRC-32 of a concatenation from the CRCs of its parts (zlib's crc32_combine, with the operator for a
# --- part's length computed once when the page is stored) ------------------------------------------------


def _gf2_times(matrix: tuple[int, ...], vector: int) -> int:
    total, index = 0, 0
    while vector:
        if vector & 1:
            total ^= matrix[index]
        vector >>= 1
        index += 1
    return total


def _gf2_product(a: tuple[int, ...], b: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(_gf2_times(a, column) for column in b)


@lru_cache(maxsize=64)
def _zero_bytes_power(k: int) -> tuple[int, ...]:
    """The operator that appends 2**k zero bytes to a CRC-32 register."""
    if k == 0:
        one_bit = (_CRC_POLY, *(1 << n for n in range(31)))
        two_bits = _gf2_product(one_bit, one_bit)
        four_bits = _gf2_product(two_bits, two_bits)
        return _gf2_product(four_bits, four_bits)
    half = _zero_bytes_power(k - 1)
    return _gf2_product(half, half)


def crc32_shift(length: int) -> tuple[int, ...]:
    """Operator M with crc32(a + b) == M·crc32(a) ^ crc32(b) for every b of `length` bytes."""
    result = tuple(1 << n for n in range(32))
    k = 0
    while length:
        if length & 1:
            result = _gf2_product(_zero_bytes_power(k), result)
        length >>= 1
        k += 1
    return result


def crc32_combine(crc_a: int, crc_b: int, shift_b: tuple[int, ...]) -> int:
    return _gf2_times(shift_b, crc_a) ^ crc_b


# --- gzip framing -------------------------------------------------------------------------------------------


def _gzip_header() -> bytes:
    # ID1 ID2 CM=deflate FLG=FNAME MTIME=0 XFL=0 OS=unknown, then a random-length file name (BREACH padding).
    return b"\x1f\x8b\x08\x08\x00\x00\x00\x00\x00\xff" + b"a" * secrets.randbelow(MAX_RANDOM_BYTES) + b"\x00"


def _stored_block(data: bytes) -> bytes:
    """`data` as uncompressed, non-final deflate blocks (a stream position on a byte boundary)."""
    out = bytearray()
    for start in range(0, len(data), 0xFFFF):
        chunk = data[start : start + 0xFFFF]
        out += b"\x00" + struct.pack("<HH", len(chunk), len(chunk) ^ 0xFFFF) + chunk
    return bytes(out)


@dataclass(frozen=True)
class HoleyGzip:
    """A body compressed once, with holes between its pieces for a per-request value (same in every hole).

    `pieces` are raw deflate data: every piece but the last ends with a full flush (byte-aligned, no
    reference back into an earlier piece), the last one ends the stream.
    """

    pieces: tuple[bytes, ...]
    crcs: tuple[int, ...]
    sizes: tuple[int, ...]
    shifts: tuple[tuple[int, ...], ...]  # crc32_shift(size) of every piece after the first
    parts: tuple[bytes, ...] = ()  # the uncompressed parts, when kept for clients without gzip

    @classmethod
    def compress(cls, parts: list[bytes], *, keep_plain: bool = False) -> HoleyGzip:
        pieces = []
        for index, part in enumerate(parts):
            compressor = zlib.compressobj(LEVEL, zlib.DEFLATED, -15)
            last = index == len(parts) - 1
            pieces.append(compressor.compress(part) + compressor.flush(zlib.Z_FINISH if last else zlib.Z_FULL_FLUSH))
        return cls(
            pieces=tuple(pieces),
            crcs=tuple(zlib.crc32(part) for part in parts),
            sizes=tuple(len(part) for part in parts),
            shifts=tuple(crc32_shift(len(part)) for part in parts[1:]),
            parts=tuple(parts) if keep_plain else (),
        )

    @property
    def holes(self) -> int:
        return len(self.pieces) - 1

    def _deflate(self, fill: bytes) -> bytes:
        if not self.holes:
            return self.pieces[0]
        hole = _stored_block(fill)
        return hole.join(self.pieces)

    def gzip(self, fill: bytes = b"") -> bytes:
        """The whole body as a gzip member, `fill` in every hole."""
        crc = self.crcs[0]
        for index in range(1, len(self.pieces)):
            crc = crc32_combine(zlib.crc32(fill, crc), self.crcs[index], self.shifts[index - 1])
        size = (sum(self.sizes) + self.holes * len(fill)) & 0xFFFFFFFF
        return b"".join((_gzip_header(), self._deflate(fill), struct.pack("<II", crc, size)))

    def plain(self, fill: bytes = b"") -> bytes:
        """The whole body uncompressed, `fill` in every hole (for clients without gzip)."""
        if self.parts:
            return fill.join(self.parts)
        return zlib.decompress(self._deflate(fill), -15)
