"""Finding and opening slow-log files: the only module of ``themis.slowlog`` that touches disk.

Rotated logs are usually a set like ``slow.log``, ``slow.log.1``, ``slow.log.2.gz`` ... or
``slow.log-20261121.gz``. ``expand_paths`` orders them oldest first, so events come out roughly in
time order and a streaming consumer sees the log as one continuous file; ``open_slowlog`` hides
gzip so the parser only ever sees bytes.
"""

from __future__ import annotations

import glob
import io
import os
import re
import zlib
from typing import BinaryIO

__all__ = ["open_slowlog", "expand_paths"]

_GZIP_MAGIC = b"\x1f\x8b"
_READ_BUFFER = 1 << 20
_COMPRESSED_CHUNK = 1 << 18
_GZIP_WBITS = 16 + zlib.MAX_WBITS
_DIGITS = re.compile(r"\d+")
_ROTATED = re.compile(r"(.+?)([.-])(\d[\d_-]*)$")
_GLOB_CHARS = re.compile(r"[*?\[]")


class _GzipStream(io.RawIOBase):
    """Streaming gunzip that hands out every byte it could decompress, then ends.

    ``gzip.GzipFile`` behind a buffer loses the last buffer-full of text when the file is cut short
    (a copy in progress, a crash during rotation). Here a damaged file simply ends where the damage
    starts, and ``error`` says why (``iter_events`` reports it as ``ParseStats.read_error``), so the
    parser keeps every entry before it -- the last, partial one included, to be counted as skipped.
    Concatenated gzip members (``cat a.gz b.gz``) are read as one stream.
    """

    def __init__(self, raw: BinaryIO) -> None:
        super().__init__()
        self._raw = raw
        self._inflate = zlib.decompressobj(_GZIP_WBITS)
        self._pending = memoryview(b"")
        self._done = False
        self.error: str | None = None

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: "bytearray | memoryview") -> int:  # type: ignore[override]
        while not self._pending:
            if self._done:
                return 0
            chunk = self._raw.read(_COMPRESSED_CHUNK)
            if not chunk:
                self._done = True
                if not self._inflate.eof:
                    self.error = "EOFError: compressed file ended before the end-of-stream marker was reached"
                return 0
            try:
                data = self._inflate.decompress(chunk)
                while self._inflate.eof and self._inflate.unused_data:  # another gzip member follows
                    rest = self._inflate.unused_data
                    self._inflate = zlib.decompressobj(_GZIP_WBITS)
                    data += self._inflate.decompress(rest)
            except zlib.error as exc:
                self._done = True
                self.error = f"error: {exc}"
                return 0
            self._pending = memoryview(data)
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size

    def close(self) -> None:
        try:
            self._raw.close()
        finally:
            super().close()


def open_slowlog(path: str | os.PathLike[str]) -> BinaryIO:
    """Open a slow log for binary reading; gzip (by content, not only by name) is decompressed."""
    raw = open(path, "rb", buffering=_READ_BUFFER)  # noqa: SIM115 - returned to the caller
    try:
        magic = raw.peek(2)[:2]
    except Exception:
        raw.close()
        raise
    if magic == _GZIP_MAGIC:
        return io.BufferedReader(_GzipStream(raw), buffer_size=_READ_BUFFER)  # type: ignore[return-value]
    return raw


def _rotation_key(path: str) -> tuple[object, ...]:
    """Oldest first within each log: ``slow.log.3.gz`` < ``slow.log.2`` < ``slow.log.1`` < ``slow.log``.

    Numbered rotations (logrotate's default) count *up* with age; dated ones (``dateext``:
    ``slow.log-20261121``, ``slow.log-2026-11-21.gz``) count up with time. The live file, with no
    such suffix, is the newest.
    """
    base = os.path.basename(path)
    if base.endswith(".gz"):
        base = base[:-3]
    rotated = _ROTATED.match(base)
    if rotated is None:
        return (os.path.dirname(path), base, 1, ())
    stem, sep, suffix = rotated.groups()
    numbers = tuple(int(n) for n in _DIGITS.findall(suffix))
    order = (-numbers[0],) if sep == "." else numbers
    return (os.path.dirname(path), stem, 0, order)


def expand_paths(patterns: list[str]) -> list[str]:
    """Expand globs to existing files, oldest rotation first, each file once.

    A literal path that does not exist, or a glob that matches nothing, raises FileNotFoundError
    naming the pattern: an empty digest because of a typo in the config must not look like a quiet day.
    """
    if isinstance(patterns, (str, os.PathLike)):
        patterns = [os.fspath(patterns)]
    seen: set[str] = set()
    result: list[str] = []
    for pattern in patterns:
        pattern = os.path.expanduser(os.fspath(pattern))
        if _GLOB_CHARS.search(pattern):
            matches = [p for p in glob.glob(pattern) if os.path.isfile(p)]
            if not matches:
                raise FileNotFoundError(f"slow-log pattern {pattern!r} matches no file")
            matches.sort(key=_rotation_key)
        else:
            if not os.path.isfile(pattern):
                raise FileNotFoundError(f"slow-log file {pattern!r} does not exist")
            matches = [pattern]
        for path in matches:
            if path not in seen:
                seen.add(path)
                result.append(path)
    return result
