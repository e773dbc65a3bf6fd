"""A file the service reads again only when it changes (its modification time or size), so a hot
path — every deadline computed, every petition's risk rules — costs a ``stat``, not a parse, and
an operator's edit still counts from the next use on."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from threading import Lock
from typing import Generic, TypeVar

T = TypeVar("T")
Stamp = tuple[int, int] | None  # (mtime in ns, size); None: no such file


def stamp(path: Path) -> Stamp:
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    return (stat.st_mtime_ns, stat.st_size)


class ChangedFile(Generic[T]):
    """``load(path)`` as the file stands, parsed once per version of it. ``path`` None: loaded
    once (the shipped defaults). A file that fails to load is tried again at the next call:
    its error is raised each time until it is mended."""

    def __init__(self, path: Path | None, load: Callable[[Path | None], T]) -> None:
        self.path, self._load = path, load
        self._lock = Lock()  # the worker's activity threads share it
        self._seen: tuple[Stamp, T] | None = None

    def __call__(self) -> T:
        now = stamp(self.path) if self.path is not None else None
        with self._lock:
            if self._seen is None or self._seen[0] != now:
                self._seen = (now, self._load(self.path))
            return self._seen[1]
