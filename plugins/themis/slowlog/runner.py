"""Running a digest over files: cut them into chunks at clean entry boundaries, digest the chunks
(in worker processes when there is more than one CPU), and merge.

Cutting (``segments.pieces``, one pass over each file here): a chunk ends at the first *clean cut*
(``chunk.next_boundary``) after ``chunk_size`` bytes of (uncompressed) text; entries longer than the
limit are left out and counted; a file that shrinks or is replaced while it is read gets a read
error. A plain file's chunks are then read by the workers themselves (``os.pread``, checked against
the file's size and inode at the start), a gzipped file is inflated here and its chunks sent.
Merging: ``Digest`` results do not depend on the order events are added in, so each worker keeps one
running digest for all its chunks and sends it once, at the end. What a chunk cannot know alone --
the time and db its first entries inherit from the chunk before -- is settled here, in chunk order
(``ChunkInfo.head`` entries are re-read with the inherited time; ``InheritedDb`` placeholders are
resolved), so the result is identical to the reference parser reading the files one line at a time.

Workers are separate interpreters (``python -m themis.slowlog.worker``) that import only this
package, not whatever the caller has loaded (e.g. Airflow), started once per digest. Peak memory is
about two chunks per worker, one chunk plus the entry size limit here, and the classes, whatever the
size of the files and whatever is in them.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import os
import pickle
import selectors
import subprocess
import sys
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

from themis.slowlog.chunk import ChunkContext, ChunkInfo, accelerated, process_chunk
from themis.slowlog.digest import Digest, DigestResult, _iso, from_micros
from themis.slowlog.parser import Carry, ParseStats, iter_events
from themis.slowlog.segments import MAX_ENTRY_BYTES, OVERSIZE, Piece, pieces
from themis.slowlog.sources import changed_since, expand_paths, is_gzip, read_range
from themis.slowlog.worker import receive, receive_raw, send

__all__ = ["run_digest", "CHUNK_SIZE", "default_workers"]

log = logging.getLogger("themis.slowlog")

UTC = dt.timezone.utc
CHUNK_SIZE = 8 << 20
_STATS_OFFSETS_KEPT = 20
Progress = Callable[[dict[str, Any]], None]


def fault_hook(point: str) -> Callable[[], None] | None:
    """Test hook: with ``THEMIS_SLOWLOG_FAULT=<point>`` set, a function that SIGKILLs this process
    (the crash tests kill an ingest at "scan", "digest", "store" and "history"); else None."""
    if os.environ.get("THEMIS_SLOWLOG_FAULT") != point:
        return None

    def crash() -> None:
        import signal

        log.error("THEMIS_SLOWLOG_FAULT=%s: killing the process", point)
        os.kill(os.getpid(), signal.SIGKILL)

    return crash


def default_workers() -> int:
    """One process per CPU this process may use, at most 4 (the merge is in one process)."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, 4))


# ------------------------------------------------------------------------------------ workers


@dataclass
class _Task:
    chunk: int
    file_index: int
    path: str
    start: int
    end: int
    final: bool
    data: bytes | None = None  # gzip chunks come with their bytes; plain ones are read by the worker
    error: str | None = None  # why the file ended early (damaged gzip, shrank), for the chunk that ends it
    planned: os.stat_result | None = None  # a plain file's stat when the digest started
    oversize: list[tuple[int, int]] = field(default_factory=list)  # entries skipped before this chunk

    def read(self) -> tuple[bytes, str | None]:
        """The chunk's bytes, and why they could not be read as planned (the file changed), if so."""
        if self.data is not None:
            return self.data, None
        return read_range(self.path, self.start, self.end, self.planned)


def note_task(info: ChunkInfo, error: str | None, oversize: list[tuple[int, int]]) -> None:
    """Add to a chunk's stats what the cutting found: entries too long to digest (skipped before the
    chunk, so their offsets come first) and a read error."""
    if oversize:
        stats = ParseStats()
        for start, end in oversize:
            stats.skip(start, OVERSIZE)
        stats.absorb(info.stats)
        stats.bytes_read = info.stats.bytes_read + sum(end - start for start, end in oversize)
        stats.resume_offset = info.stats.resume_offset
        info.stats = stats
    if error and not info.stats.read_error:
        info.stats.read_error = error


class _Worker:
    """One ``python -m themis.slowlog.worker`` process and its pipes."""

    def __init__(self, number: int, setup: tuple[Any, ...]) -> None:
        import themis

        root = os.path.dirname(os.path.dirname(os.path.abspath(themis.__file__)))
        env = dict(os.environ)
        env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
        self.name = f"slow-log worker {number}"
        self.process = subprocess.Popen([sys.executable, "-m", "themis.slowlog.worker"], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, bufsize=0, env=env)
        self.busy = 0
        self.send(setup)

    def send(self, message: Any) -> None:
        try:
            send(self.process.stdin, message)  # type: ignore[arg-type]
        except (BrokenPipeError, OSError):
            raise RuntimeError(f"{self.name} died (exit code {self.process.poll()})") from None

    def receive(self) -> Any:
        return self._checked(receive(self.process.stdout))  # type: ignore[arg-type]

    def receive_later(self) -> Callable[[], Any]:
        """Read the next message now, unpickle it when called (after this worker has exited)."""
        payload = receive_raw(self.process.stdout)  # type: ignore[arg-type]
        if payload is None:
            self._checked(None)
        return lambda: self._checked(pickle.loads(payload))  # type: ignore[arg-type]

    def _checked(self, message: Any) -> Any:
        if message is None:
            raise RuntimeError(f"{self.name} died (exit code {self.process.wait(timeout=10)})")
        if message[0] == "error":
            raise RuntimeError(f"{self.name} failed:\n{message[1]}")
        return message

    def close(self) -> None:
        process = self.process
        for pipe in (process.stdin, process.stdout):
            try:
                if pipe is not None:
                    pipe.close()
            except OSError:
                pass
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


# ------------------------------------------------------------------------------------ the run


class _Ordered:
    """Chunk infos in chunk order: carries time and db from chunk to chunk and digests the heads."""

    def __init__(self, digest: Digest, tz: dt.tzinfo, files: list[str]) -> None:
        self.digest = digest
        self.tz = tz
        self.files = files
        self.waiting: dict[int, ChunkInfo] = {}
        self.next = 0
        self.ts: int | None = None
        self.db: str | None = None
        self.db_at: dict[int, str | None] = {}
        self.file_stats: dict[int, ParseStats] = {}
        self.bytes_done = 0
        self.events_parsed = 0
        self.fast_events = 0
        self.fallback_bytes = 0
        self.timings: dict[str, float] = {}
        self.cut_in_statement = False  # a chunk ended inside a statement's open quote or comment

    def add(self, info: ChunkInfo) -> None:
        self.waiting[info.chunk] = info
        while self.next in self.waiting:
            self._settle(self.waiting.pop(self.next))
            self.next += 1

    def _settle(self, info: ChunkInfo) -> None:
        if info.start == 0:  # a new file: nothing is inherited across files
            self.ts, self.db = None, None
        self.db_at[info.chunk] = self.db
        if info.head:
            carry = Carry(from_micros(self.ts), self.db)
            for event in iter_events(io.BytesIO(info.head), default_tz=self.tz, carry=carry, stream_at=info.start,
                                     stats=ParseStats()):
                self.digest.add(event, file_index=info.file_index)
        if info.saw_ts:
            self.ts = info.last_ts
        if info.saw_db:
            self.db = info.last_db
        stats = self.file_stats.setdefault(info.file_index, ParseStats())
        _merge_file_stats(stats, info.stats)
        self.bytes_done += info.end - info.start
        self.events_parsed += info.stats.events
        self.fast_events += info.fast_events
        self.fallback_bytes += info.fallback_bytes
        self.cut_in_statement = self.cut_in_statement or info.ends_open


def _merge_file_stats(into: ParseStats, chunk: ParseStats) -> None:
    """Chunks of one file arrive in order: counts add up, and the file resumes after the last chunk."""
    into.absorb(chunk)
    into.bytes_read += chunk.bytes_read
    into.resume_offset = chunk.resume_offset


def _tasks_for(files: list[str], planned: dict[int, os.stat_result], chunk_size: int, limit: int) -> Iterator[_Task]:
    """Chunks of every planned file, in order; gzip chunks carry their bytes."""
    chunk = 0
    for file_index, path in enumerate(files):
        if file_index not in planned:
            continue
        stat = planned[file_index]
        for piece in pieces(path, chunk_size=chunk_size, limit=limit, size=stat.st_size):
            yield _Task(chunk, file_index, path, piece.start, piece.end, piece.final, piece.data, piece.error,
                        None if piece.data is not None else stat, piece.oversize)
            chunk += 1


class _Reporter:
    """Progress: a callable gets a dict about once a second; True draws a bar on stderr."""

    def __init__(self, progress: bool | Progress, total: int) -> None:
        self.callback: Progress | None = None if progress is True or not progress else progress  # type: ignore[assignment]
        self.bar = progress is True
        self.total = total
        self.started = time.monotonic()
        self.last = 0.0
        self.drawn = False

    def __call__(self, figures: dict[str, Any], *, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self.last < 1.0:
            return
        self.last = now
        if self.callback is not None:
            self.callback(figures)
        if self.bar:
            done = figures["input_bytes"]
            fraction = min(done / self.total, 1.0) if self.total else 1.0
            rate = done / max(now - self.started, 1e-6) / 1e6
            eta = (self.total - done) / (rate * 1e6) if rate > 0 and self.total > done else 0.0
            width = 30
            filled = int(fraction * width)
            classes = f"{figures['classes']:,} classes  " if figures.get("classes") is not None else ""
            print(f"\r[{'#' * filled}{'.' * (width - filled)}] {fraction * 100:5.1f}%  "
                  f"{done / 1e6:,.0f}/{self.total / 1e6:,.0f} MB  {rate:,.1f} MB/s  "
                  f"{figures['events_read']:,} events  {classes}ETA {eta:,.0f}s ",
                  end="", file=sys.stderr, flush=True)
            self.drawn = True

    def close(self) -> None:
        if self.drawn:
            print(file=sys.stderr)


def run_digest(
    paths: list[str],
    *,
    since: dt.datetime | None,
    until: dt.datetime | None,
    default_tz: dt.tzinfo = UTC,
    progress: bool | Progress = False,
    workers: int | None = None,
    engine: str = "fast",
    min_mtime: float | None = None,
    chunk_size: int = CHUNK_SIZE,
    limit: int = MAX_ENTRY_BYTES,
) -> DigestResult:
    """See ``digest.digest_paths``. ``limit``: the longest entry digested (``segments.MAX_ENTRY_BYTES``)."""
    if engine not in ("fast", "reference"):
        raise ValueError(f"engine must be 'fast' or 'reference', got {engine!r}")
    files = expand_paths(paths)
    digest = Digest(since=since, until=until)
    skip = set()
    old_files: list[str] = []
    planned: dict[int, os.stat_result] = {}  # each file as it was when the digest started
    for index, path in enumerate(files):
        stat = os.stat(path)
        if min_mtime is not None and stat.st_mtime < min_mtime:
            skip.add(index)
            old_files.append(path)
            log.info("%s: last written before the window, not read", path)
        else:
            planned[index] = stat
    plain = {index for index in planned if not is_gzip(files[index])}  # read by path, chunk by chunk
    total = sum(stat.st_size for stat in planned.values())
    report = _Reporter(progress, total) if progress else None
    started = time.monotonic()
    if engine == "reference":
        file_stats = _run_reference(files, planned, digest, default_tz, report, chunk_size, limit)
        extra: dict[str, Any] = {"engine": "reference", "workers": 1}
    else:
        count = default_workers() if workers is None else max(1, int(workers))
        if total < 2 * chunk_size or not sys.executable:
            count = 1  # one or two chunks: starting processes would cost more than it saves
        ordered = _run_fast(files, planned, digest, default_tz, report, count, chunk_size, limit)
        file_stats = ordered.file_stats
        if ordered.cut_in_statement:
            # A chunk was cut at a header line that a statement's open quote or comment carries
            # (chunk.next_boundary could not see where it began): only a sequential read is right.
            log.warning("a statement's quoted text spans a chunk boundary: reading again with the reference parser")
            digest = Digest(since=since, until=until)
            file_stats = _run_reference(files, planned, digest, default_tz, None, chunk_size, limit)
        extra = {"engine": "reference" if ordered.cut_in_statement else "fast", "workers": count, "chunks": ordered.next,
                 "fast_path_events": ordered.fast_events, "fallback_bytes": ordered.fallback_bytes,
                 "accelerated": accelerated(),
                 "phases": {k: round(v - started, 3) for k, v in ordered.timings.items()}}
    for index in sorted(plain):
        # A plain file read to the end as planned may still have been rotated meanwhile: then the
        # chunks read later (by path) may hold another text, so the digest cannot be trusted.
        stats = file_stats.setdefault(index, ParseStats())
        if not stats.read_error:
            stats.read_error = changed_since(files[index], planned[index])
    if report is not None:
        report({"input_bytes": total, "events_read": digest.events_read, "classes": len(digest), "file": ""},
               force=True)
        report.close()

    bytes_read = skipped = non_utf8 = headers_in_statements = 0
    skipped_offsets: list[dict[str, Any]] = []
    read_errors: list[dict[str, Any]] = []
    per_file: list[dict[str, Any]] = []
    for index, path in enumerate(files):
        if index in skip:
            continue
        stats = file_stats.get(index, ParseStats())
        bytes_read += stats.bytes_read
        skipped += stats.skipped
        non_utf8 += stats.non_utf8
        headers_in_statements += stats.headers_in_statements
        if stats.headers_in_statements:
            log.warning("%s: %d entry header line(s) inside a statement's quoted text or comment: read as "
                        "statement text, not as entries", path, stats.headers_in_statements)
        for offset in stats.skipped_offsets:
            if len(skipped_offsets) < _STATS_OFFSETS_KEPT:
                skipped_offsets.append({"file": path, "offset": offset})
        if stats.skipped:
            log.warning("%s: skipped %d malformed entr%s (%s) at byte offsets %s%s", path, stats.skipped,
                        "y" if stats.skipped == 1 else "ies", stats.skip_reasons, stats.skipped_offsets[:10],
                        " ..." if stats.skipped > 10 else "")
        if stats.read_error:
            log.warning("%s: stopped at byte %d: %s", path, stats.bytes_read, stats.read_error)
            read_errors.append({"file": path, "error": stats.read_error, "bytes_read": stats.bytes_read})
        log.info("%s: %d bytes, %d events, %d skipped", path, stats.bytes_read, stats.events, stats.skipped)
        per_file.append({"file": path, **stats.as_dict()})
    classes = digest.classes()
    seconds = time.monotonic() - started
    result_stats: dict[str, Any] = {
        "files": [p for i, p in enumerate(files) if i not in skip],
        "files_not_read": old_files,
        "bytes_read": bytes_read,
        **digest.stats(),
        "skipped_entries": skipped,
        "skipped_offsets": skipped_offsets,
        "non_utf8_entries": non_utf8,
        "read_errors": read_errors,
        "headers_in_statements": headers_in_statements,
        "per_file": per_file,
        "since": _iso(since),
        "until": _iso(until),
        "seconds": round(seconds, 3),
        **extra,
    }
    return DigestResult(classes=classes, stats=result_stats)


class _Contiguous(io.RawIOBase):
    """The text of consecutive pieces as one stream, up to the next oversize entry (or the end).

    The reference parser reads a file sequentially (a statement's open quote may span a chunk cut);
    only where an oversize entry was left out does it start again, after the gap (``following``)."""

    def __init__(self, first: Piece, rest: Iterator[Piece]) -> None:
        super().__init__()
        self._rest = rest
        self._data = memoryview(first.data or b"")
        self.last = first
        self.following: Piece | None = None

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: "bytearray | memoryview") -> int:  # type: ignore[override]
        while not self._data:
            if self.last.final:
                return 0
            piece = next(self._rest)
            if piece.oversize:
                self.following = piece
                return 0
            self.last = piece
            self._data = memoryview(piece.data or b"")
        size = min(len(buffer), len(self._data))
        buffer[:size] = self._data[:size]
        self._data = self._data[size:]
        return size


def _run_reference(files: list[str], planned: dict[int, os.stat_result], digest: Digest, tz: dt.tzinfo,
                   report: _Reporter | None, chunk_size: int, limit: int) -> dict[int, ParseStats]:
    """The line-by-line reference parser over each file's text, read sequentially (``segments.pieces``
    only takes out the entries too long to digest, as in the fast engine)."""
    file_stats: dict[int, ParseStats] = {}
    done = 0
    for index, path in enumerate(files):
        if index not in planned:
            continue
        stats = file_stats[index] = ParseStats()
        carry = Carry()
        rest = pieces(path, chunk_size=chunk_size, limit=limit, keep_data=True, size=planned[index].st_size)
        piece: Piece | None = next(rest)
        while piece is not None:
            for start, end in piece.oversize:
                stats.skip(start, OVERSIZE)
                stats.bytes_read += end - start
            part = ParseStats()
            stream = _Contiguous(piece, rest)
            for count, event in enumerate(iter_events(io.BufferedReader(stream, CHUNK_SIZE), default_tz=tz, stats=part,
                                                      carry=carry, stream_at=piece.start), 1):
                digest.add(event, file_index=index)
                if report is not None and not count & 0xFFF:
                    report({"file": path, "input_bytes": done + stats.bytes_read + part.bytes_read,
                            "events_read": digest.events_read, "classes": len(digest)})
            stats.absorb(part)
            stats.bytes_read += part.bytes_read
            stats.resume_offset = part.resume_offset
            if stream.last.error:
                stats.read_error = stream.last.error
            piece = stream.following
        done += planned[index].st_size
    return file_stats


def _run_fast(files: list[str], planned: dict[int, os.stat_result], digest: Digest, tz: dt.tzinfo,
              report: _Reporter | None, workers: int, chunk_size: int, limit: int) -> _Ordered:
    ordered = _Ordered(digest, tz, files)
    tasks = _tasks_for(files, planned, chunk_size, limit)

    def tick(path: str) -> None:
        # The classes are known as they come in one process only (the workers merge at the end).
        if report is not None:
            report({"file": path, "input_bytes": min(ordered.bytes_done, report.total),
                    "events_read": ordered.events_parsed, "classes": len(digest) if workers <= 1 else None})

    if workers <= 1:
        ctx = ChunkContext(default_tz=tz, since_us=digest.since_us, until_us=digest.until_us)
        for task in tasks:
            data, error = task.read()
            info = process_chunk(data, start=task.start, chunk=task.chunk, file_index=task.file_index, digest=digest,
                                 ctx=ctx, inherits=task.start > 0, final=task.final)
            del data
            note_task(info, task.error or error, task.oversize)
            ordered.add(info)
            tick(task.path)
        ctx.fold(digest)
        _finish_inherited(digest, ordered)
        return ordered

    setup = ("setup", digest.since_us, digest.until_us, tz)
    pool = [_Worker(n, setup) for n in range(workers)]
    notes: dict[int, tuple[str | None, list[tuple[int, int]]]] = {}  # what the cutting found, per chunk
    paths: dict[int, str] = {}
    upcoming = next(tasks, None)

    def dispatch(worker: _Worker) -> None:
        # A worker gets a second (small) task while it works on one; a chunk with its bytes only
        # when it is idle, so that neither side ever blocks writing while the other does too.
        nonlocal upcoming
        while upcoming is not None and (worker.busy == 0 or (worker.busy == 1 and upcoming.data is None)):
            if upcoming.error or upcoming.oversize:
                notes[upcoming.chunk] = (upcoming.error, upcoming.oversize)
            paths[upcoming.chunk] = upcoming.path
            worker.send(("chunk", upcoming))
            worker.busy += 1
            upcoming = next(tasks, None)

    selector = selectors.DefaultSelector()
    crash = fault_hook("scan")
    try:
        for worker in pool:
            selector.register(worker.process.stdout, selectors.EVENT_READ, worker)  # type: ignore[arg-type]
            dispatch(worker)
        while any(worker.busy for worker in pool):
            for key, _ in selector.select(timeout=1.0):
                worker = key.data
                _, info = worker.receive()
                worker.busy -= 1
                if info.chunk in notes:
                    note_task(info, *notes.pop(info.chunk))
                ordered.add(info)
                tick(paths.pop(info.chunk, ""))
                if crash is not None and ordered.next >= 2:
                    crash()
                dispatch(worker)
            for worker in pool:
                if worker.process.poll() is not None and worker.busy:
                    raise RuntimeError(f"{worker.name} died (exit code {worker.process.returncode})")
        scanned = time.monotonic()
        for worker in pool:
            worker.send(("finish",))
        # Each worker's digest is read as bytes and unpickled only once all workers have exited, one
        # at a time, so the parent's copy never adds to theirs (peak memory).
        pending = [worker.receive_later() for worker in pool]
        folded = time.monotonic()
        for worker in pool:
            worker.close()
        while pending:
            digest.merge(pending.pop(0)()[1])
        ordered.timings = {"scan": scanned, "worker_fold": folded, "merged": time.monotonic()}
    finally:
        selector.close()
        for worker in pool:
            worker.close()
    _finish_inherited(digest, ordered)
    return ordered


def _finish_inherited(digest: Digest, ordered: _Ordered) -> None:
    digest.resolve_inherited(lambda chunk: ordered.db_at.get(chunk))
