"""Where attachment bytes live: the ``FileStore`` interface, files on disk (the default) and a fake
in memory (tests), chosen in ``make_store``. Content-addressed: a file's name is its SHA-256."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Protocol


class FileStore(Protocol):
    def put(self, sha256: str, data: bytes) -> None: ...

    def get(self, sha256: str) -> bytes: ...


class LocalFileStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256

    def put(self, sha256: str, data: bytes) -> None:
        path = self._path(sha256)
        if path.exists():
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)  # whole or not at all

    def get(self, sha256: str) -> bytes:
        return self._path(sha256).read_bytes()


class MemoryFileStore:
    """The fake: bytes in a dict (tests)."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}

    def put(self, sha256: str, data: bytes) -> None:
        self.files.setdefault(sha256, data)

    def get(self, sha256: str) -> bytes:
        return self.files[sha256]


_MEMORY = MemoryFileStore()


def make_store(kind: str, var_dir: Path) -> FileStore:
    if kind == "local":
        return LocalFileStore(var_dir / "attachments")
    if kind == "memory":
        return _MEMORY
    raise ValueError(f"unknown attachment store {kind!r} (local or memory)")
