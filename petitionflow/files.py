"""Files that hold personal data or secrets: the data directory is the owner's alone (0700),
and so are the SQLite database and the keys in it (0600)."""

from __future__ import annotations

import os
from pathlib import Path

DIR_MODE = 0o700
FILE_MODE = 0o600


def private_dir(path: Path) -> Path:
    """Create the directory (and its missing parents) readable by its owner only. An existing
    directory is left as the operator made it."""
    if not path.exists():
        path.mkdir(parents=True, mode=DIR_MODE)
        path.chmod(DIR_MODE)  # mkdir's mode is filtered by the umask
    return path


def private_file(path: Path) -> Path:
    """Create an empty file readable by its owner only, unless it exists."""
    if not path.exists():
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, FILE_MODE))
        path.chmod(FILE_MODE)
    return path
