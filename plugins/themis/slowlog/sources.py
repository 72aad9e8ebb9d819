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
from typing import BinaryIO, Iterator

__all__ = ["open_slowlog", "expand_paths", "GzipInflater", "is_gzip", "read_range", "changed_since", "shrank"]

_GZIP_MAGIC = b"\x1f\x8b"
_READ_BUFFER = 1 << 20
_COMPRESSED_CHUNK = 1 << 16
_PIECE = 1 << 18  # most bytes one inflate call may produce: the bound on what a bomb can allocate at once
_EOF_ERROR = "EOFError: compressed file ended before the end-of-stream marker was reached"
_GZIP_WBITS = 16 + zlib.MAX_WBITS
_DIGITS = re.compile(r"\d+")
_ROTATED = re.compile(r"(.+?)([.-])(\d[\d_-]*)$")
_GLOB_CHARS = re.compile(r"[*?\[]")


class GzipInflater:
    """Gunzip a file as a stream of pieces of at most ``piece_size`` bytes; keep everything before damage.

    Two things make this more than ``zlib.decompressobj().decompress(whole_file)``:

    * memory: each call is given ``max_length``, so a small file that inflates to gigabytes (or one
      line of gigabytes) never has more than one piece in memory here;
    * damage: a ``decompress`` call that raises (bad block, bad CRC in the trailer) discards the output
      it produced before the error. The inflater is copied before every call, and after an error the
      failed call's input is fed again to the copy one byte at a time, so every byte zlib can produce
      before the damage is delivered -- what ``gzip -dc`` writes out before it complains. ``error``
      then says why the stream ended early.

    Concatenated gzip members (``cat a.gz b.gz``) are one stream.
    """

    def __init__(self, raw: BinaryIO, *, piece_size: int = _PIECE, feed_size: int = _COMPRESSED_CHUNK) -> None:
        self._raw = raw
        self.piece_size = piece_size
        self.feed_size = feed_size
        self.error: str | None = None

    def __iter__(self) -> Iterator[bytes]:
        inflate = zlib.decompressobj(_GZIP_WBITS)
        pending = b""
        while True:
            if not pending:
                pending = self._raw.read(self.feed_size)
                if not pending:
                    if not inflate.eof:
                        self.error = _EOF_ERROR
                    return
                if inflate.eof:  # another gzip member follows
                    inflate = zlib.decompressobj(_GZIP_WBITS)
            before = inflate.copy()
            try:
                data = inflate.decompress(pending, self.piece_size)
            except zlib.error as exc:
                yield from _salvage(before, pending)
                self.error = f"error: {exc}"
                return
            pending = inflate.unused_data if inflate.eof else inflate.unconsumed_tail
            if inflate.eof and pending:
                inflate = zlib.decompressobj(_GZIP_WBITS)
            if data:
                yield data


def _salvage(inflate: "zlib._Decompress", data: bytes) -> Iterator[bytes]:
    """What ``inflate`` produces from ``data`` up to the byte where it fails (one byte per call, so
    that a failing call loses nothing: a byte of deflate input yields at most a few hundred bytes)."""
    for at in range(len(data)):
        try:
            out = inflate.decompress(data[at:at + 1])
        except zlib.error:
            return
        if out:
            yield out
        if inflate.eof:
            return


class _GzipStream(io.RawIOBase):
    """A ``GzipInflater`` as a raw stream (for the line-by-line reference parser).

    ``gzip.GzipFile`` behind a buffer loses the last buffer-full of text when the file is cut short
    (a copy in progress, a crash during rotation). Here a damaged file simply ends where the damage
    starts, and ``error`` says why (``iter_events`` reports it as ``ParseStats.read_error``), so the
    parser keeps every entry before it -- the last, partial one included, to be counted as skipped.
    """

    def __init__(self, raw: BinaryIO) -> None:
        super().__init__()
        self._raw = raw
        self._inflater = GzipInflater(raw)
        self._pieces = iter(self._inflater)
        self._pending = memoryview(b"")

    @property
    def error(self) -> str | None:
        return self._inflater.error

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: "bytearray | memoryview") -> int:  # type: ignore[override]
        while not self._pending:
            piece = next(self._pieces, None)
            if piece is None:
                return 0
            self._pending = memoryview(piece)
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


def shrank(planned: int, now: int) -> str:
    """The read error of a plain file that got shorter during the digest (``copytruncate`` rotation)."""
    return f"file shrank from {planned} to {now} bytes while being read"


def replaced(planned: os.stat_result, now: os.stat_result) -> str:
    """The read error of a path that names another file than when the digest started (rotation)."""
    return (f"file replaced while being read (inode {planned.st_ino}, {planned.st_size} bytes, is now inode "
            f"{now.st_ino}, {now.st_size} bytes)")


def changed_since(path: str, planned: os.stat_result) -> str | None:
    """Why ``path`` no longer holds what was planned from ``planned`` (its stat at the start), if so."""
    try:
        now = os.stat(path)
    except FileNotFoundError:
        return f"file removed while being read ({planned.st_size} bytes)"
    if (now.st_dev, now.st_ino) != (planned.st_dev, planned.st_ino):
        return replaced(planned, now)
    if now.st_size < planned.st_size:
        return shrank(planned.st_size, now.st_size)
    return None


def read_range(path: str, start: int, end: int, planned: os.stat_result | None) -> tuple[bytes, str | None]:
    """Bytes ``start..end`` of a plain file, and None -- or no bytes and why, when the file is not the
    one that was planned from (``planned``: its stat when the digest started) or is now too short.
    Bytes read from a replaced or truncated file would be another text at the planned offsets, so
    none are returned: the caller reports the error instead of digesting them."""
    with open(path, "rb") as handle:
        now = os.fstat(handle.fileno())
        if planned is not None and (now.st_dev, now.st_ino) != (planned.st_dev, planned.st_ino):
            return b"", replaced(planned, now)
        data = os.pread(handle.fileno(), end - start, start)
        if len(data) < end - start:
            return b"", shrank(planned.st_size if planned is not None else end, os.fstat(handle.fileno()).st_size)
    return data, None


def is_gzip(path: str | os.PathLike[str]) -> bool:
    """Whether a file is gzip-compressed, by content (rotated logs are not always named .gz)."""
    with open(path, "rb") as handle:
        return handle.read(2) == _GZIP_MAGIC


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
