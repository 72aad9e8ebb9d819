"""Cutting one slow-log file into pieces the engine digests apart, in bounded memory.

The runner (both engines) digests a file as a sequence of ``Piece``s: byte ranges of the
uncompressed text that start and end at entry boundaries, about ``chunk_size`` long. Cutting them
here, in one pass over the file, is what bounds memory whatever the input:

* the text is read (or inflated, ``sources.GzipInflater``) in blocks of at most 1 MiB, and at most
  ``chunk_size + limit`` bytes of it are held at a time;
* an *entry* -- from one entry-start line (``# Time:`` or ``# User@Host:``) to the next -- longer
  than ``limit`` (``MAX_ENTRY_BYTES``, 64 MiB: MySQL 8's default ``max_allowed_packet``) is never
  held: it is skipped, and reported with its offset (``Piece.oversize``) so that the digest counts it
  as a skipped entry (``OVERSIZE``). A line that long (a gzip bomb without a newline, a binary file)
  is such an entry, and so is the text before the first entry of a file that is not a slow log;
* a piece normally ends at a *clean cut* (``chunk.next_boundary``: an entry start after a line that
  can only end a statement), where the reference parser starts afresh whatever came before. When
  none comes within ``limit`` bytes (a long run of ``administrator command`` entries), the piece
  ends at the next entry start instead.

A plain file is read only up to the size it had when the digest started (a live log grows; the rest
is the next window's). If it ends before that, it shrank while being read (``copytruncate``
rotation): the last piece carries that as ``error``.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import BinaryIO, Iterable, Iterator

from themis.slowlog.chunk import next_boundary
from themis.slowlog.sources import GzipInflater, is_gzip, shrank

__all__ = ["MAX_ENTRY_BYTES", "OVERSIZE", "Piece", "pieces"]

#: The longest entry (header lines and statement) the engine digests; longer ones are skipped and counted.
MAX_ENTRY_BYTES = 64 << 20
#: The skip reason of such an entry (a stable string: it ends up in task logs and stats).
OVERSIZE = "entry longer than the entry size limit"

_BLOCK = 1 << 20
_START = re.compile(rb"\n(?=# (?:Time|User@Host):)")
_STARTS = (b"\n# Time:", b"\n# User@Host:")
_KEEP_WHILE_SKIPPING = 256  # bytes kept while skipping, so a "# Time:" line before "# User@Host:" is found


@dataclass
class Piece:
    """Bytes ``[start, end)`` of a file's text, to be digested on their own.

    ``data`` is the text, or None for a plain file when the caller reads it itself (``os.pread``).
    ``oversize`` lists the ``(start, end)`` of entries longer than the limit that lie between the
    previous piece and this one (skipped, to be counted). ``error`` (on the final piece) says why the
    file ended early: damaged gzip, or a file that shrank while being read.
    """

    start: int
    end: int
    data: bytes | None
    final: bool = False
    oversize: list[tuple[int, int]] = field(default_factory=list)
    error: str | None = None


def _plain_blocks(raw: BinaryIO, size: int, failure: list[str]) -> Iterator[bytes]:
    """The first ``size`` bytes of a plain file; a file that ends sooner shrank (``failure``)."""
    done = 0
    while done < size:
        block = raw.read(min(_BLOCK, size - done))
        if not block:
            failure.append(shrank(size, os.fstat(raw.fileno()).st_size))
            return
        done += len(block)
        yield block


def pieces(path: str, *, chunk_size: int, limit: int = MAX_ENTRY_BYTES, keep_data: bool = False,
           size: int | None = None) -> Iterator[Piece]:
    """The pieces of one file, in order; the last one has ``final`` set (an empty file has one, empty).

    ``keep_data``: hand out the text of plain files too (a gzipped file's always comes with its pieces).
    ``size``: how much of a plain file to read (default: its size now).
    """
    with open(path, "rb") as raw:
        failure: list[str] = []
        if is_gzip(path):
            inflater = GzipInflater(raw)
            blocks: Iterable[bytes] = inflater
            keep_data = True
        else:
            blocks = _plain_blocks(raw, os.fstat(raw.fileno()).st_size if size is None else size, failure)
            inflater = None
        for piece in _cut(blocks, chunk_size, limit, keep_data):
            if piece.final:
                piece.error = inflater.error if inflater is not None else (failure[0] if failure else None)
            yield piece


def _is_start(buf: bytearray, newline: int) -> bool:
    """Whether the line after ``buf[newline]`` starts an entry: a ``# User@Host:`` line right after a
    ``# Time:`` line belongs to the entry that the ``# Time:`` line starts."""
    if buf.startswith(b"# Time:", newline + 1):
        return True
    return not buf.startswith(b"# Time:", buf.rfind(b"\n", 0, newline) + 1)


def _first_start(buf: bytearray, lo: int) -> int | None:
    """The first entry start at or after ``lo`` (offsets relative to ``buf``), if any."""
    at = max(lo - 1, 0)
    while True:
        found = _START.search(buf, at)
        if found is None:
            return None
        if found.start() + 1 >= lo and _is_start(buf, found.start()):
            return found.start() + 1
        at = found.start() + 1


def _last_start(buf: bytearray, lo: int, hi: int) -> int | None:
    """The last line start in ``lo..hi`` that begins with ``# Time:`` or ``# User@Host:``, if any."""
    best = -1
    for needle in _STARTS:
        best = max(best, buf.rfind(needle, max(lo - 1, 0), min(hi - 1 + len(needle), len(buf))))
    return best + 1 if best >= 0 else None


def _cut(blocks: Iterable[bytes], chunk_size: int, limit: int, keep_data: bool) -> Iterator[Piece]:
    """Cut the text of ``blocks`` into pieces (see the module docstring); the last one is final."""
    buf = bytearray()
    base = 0  # absolute offset of buf[0]: where the next piece starts
    entry = 0  # an entry start at or after base (the start of the file counts as one)
    cut_from = chunk_size  # where the search for a clean cut resumes (relative)
    skip_from: int | None = None  # absolute start of the oversize entry being skipped
    oversize: list[tuple[int, int]] = []

    def take(cut: int, final: bool = False) -> Piece:
        nonlocal base, entry, cut_from, oversize
        data = None
        if keep_data:
            with memoryview(buf) as view, view[:cut] as head:
                data = bytes(head)  # one copy (``bytes(buf[:cut])`` would make two)
        piece = Piece(base, base + cut, data, final, oversize)
        oversize = []
        del buf[:cut]
        base += cut
        entry = max(entry, base)
        cut_from = chunk_size
        return piece

    stream = iter(blocks)
    eof = False
    while not eof:
        block = next(stream, None)
        if block is None:
            eof = True
        else:
            buf += block
        while True:
            if skip_from is not None:
                found = _first_start(buf, skip_from + limit - base)
                if found is None and not eof:
                    drop = len(buf) - _KEEP_WHILE_SKIPPING
                    if drop > 0:
                        del buf[:drop]
                        base += drop
                    break  # read on
                found = len(buf) if found is None else found
                oversize.append((skip_from, base + found))
                del buf[:found]
                base += found
                entry = base
                skip_from = None
                continue
            if base + len(buf) - entry > limit:
                rel = entry - base
                later = _last_start(buf, rel + 1, rel + limit)
                if later is not None:
                    entry = base + later
                    continue
                # No entry starts within ``limit`` bytes of this one: it is too long to digest.
                previous = buf.rfind(b"\n", 0, max(rel - 1, 0)) + 1
                if rel > 0 and buf.startswith(b"# Time:", previous) and not buf.startswith(b"# Time:", rel):
                    rel = previous  # its "# Time:" line goes with it
                if rel > 0:
                    yield take(rel)
                skip_from = base
                continue
            size = len(buf)
            if size > chunk_size:
                cut = next_boundary(buf, cut_from)  # type: ignore[arg-type]
                if cut < size:
                    yield take(cut)
                    continue
                cut_from = max(chunk_size, size - 16)
                if size >= chunk_size + limit:  # no clean cut for that long: cut at an entry start
                    forced = _first_start(buf, chunk_size)
                    if forced is not None:
                        yield take(forced)
                        continue
            if eof:
                yield take(len(buf), final=True)
            break
