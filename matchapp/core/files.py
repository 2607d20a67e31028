"""Writing a file whole or not at all (no Flask, no SQLAlchemy: the engine's command line uses it)."""

from __future__ import annotations

import os
import tempfile


def write_atomically(path: str, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder, renamed into place:
    a reader (or a crash) never sees half a file, and a failure leaves nothing behind.

    Raises :class:`OSError` when the folder cannot be written.
    """
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(os.path.abspath(path)), prefix=".matchapp-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise
