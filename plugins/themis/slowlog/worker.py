"""A digest worker process: ``python -m themis.slowlog.worker`` (started by ``runner``, not by hand).

It reads pickled messages from stdin and writes pickled replies to stdout, each as an 8-byte length
and the pickle. The first message sets it up ``("setup", since_us, until_us, tz)``; then each
``("chunk", task)`` gets a ``("info", ChunkInfo)`` back, and ``("finish",)`` gets ``("digest",
Digest)`` -- everything it aggregated -- before it exits. Any error is sent as ``("error", text)``.

A separate interpreter (rather than ``multiprocessing``) imports only this package, whatever the
calling program is or has loaded (an Airflow task, pytest, a script without a ``__main__`` guard),
and dies with its parent: stdin closing ends it.
"""

from __future__ import annotations

import pickle
import struct
import sys
import traceback
from typing import Any, BinaryIO

_HEADER = struct.Struct("<Q")


def send(stream: BinaryIO, message: Any) -> None:
    payload = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_HEADER.pack(len(payload)))
    stream.write(payload)
    stream.flush()


def receive(stream: BinaryIO) -> Any:
    """The next message, or None when the stream ended."""
    payload = receive_raw(stream)
    return None if payload is None else pickle.loads(payload)


def receive_raw(stream: BinaryIO) -> bytes | None:
    """The next message still pickled (to unpickle later), or None when the stream ended."""
    header = _read_exactly(stream, _HEADER.size)
    if header is None:
        return None
    (size,) = _HEADER.unpack(header)
    return _read_exactly(stream, size)


def _read_exactly(stream: BinaryIO, size: int) -> bytes | None:
    parts = []
    remaining = size
    while remaining:
        part = stream.read(remaining)
        if not part:
            return None
        parts.append(part)
        remaining -= len(part)
    return b"".join(parts)


def main() -> int:
    from themis.slowlog.chunk import ChunkContext, process_chunk
    from themis.slowlog.digest import Digest

    inbox = sys.stdin.buffer
    outbox = sys.stdout.buffer
    sys.stdout = sys.stderr  # nothing but messages on the real stdout
    try:
        setup = receive(inbox)
        if setup is None:
            return 0
        _, since_us, until_us, tz = setup
        digest = Digest()
        digest.since_us, digest.until_us = since_us, until_us
        ctx = ChunkContext(default_tz=tz, since_us=since_us, until_us=until_us)
        while True:
            message = receive(inbox)
            if message is None:
                return 0  # the parent went away
            if message[0] == "finish":
                ctx.fold(digest)
                digest._fp_cache.clear()
                send(outbox, ("digest", digest))
                return 0
            task = message[1]
            data, error = task.read()  # a plain file's chunk: None, or why the file is not as planned
            info = process_chunk(data, start=task.start, chunk=task.chunk, file_index=task.file_index,
                                 digest=digest, ctx=ctx, inherits=task.start > 0, final=task.final)
            del data
            if error:
                info.stats.read_error = error
            send(outbox, ("info", info))
    except BaseException:  # noqa: BLE001 - reported to the parent, which raises
        try:
            send(outbox, ("error", traceback.format_exc()))
        except Exception:  # noqa: BLE001 - the parent is gone
            pass
        return 1


if __name__ == "__main__":
    sys.exit(main())
