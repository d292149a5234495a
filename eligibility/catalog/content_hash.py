"""The catalog's content hash: which rules a verdict came from (issue 10, provenance).

A SHA-256 over the bytes of every file of the catalog folder (``catalog.yaml``, the
facts, ``bricks/*.yaml``, the council note in ``sources/``), each preceded by its path
relative to the folder (POSIX, so the hash is the same on every system) and its length,
in path order. The bytes are hashed, not the parsed YAML: a comment or a quote changed
in the note is a different catalog, as a reviewer would want. Hidden files and
``__pycache__`` are not the catalog. The same folder always gives the same hash, in a
checkout and once installed (the wheel ships exactly these files).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

PREFIX = "sha256:"
SHORT = 12  # hex digits shown in footers and ``--version``, as git shows commits


def catalog_files(root: Path) -> list[Path]:
    """The files of a catalog folder, in the order they are hashed."""
    if root.is_file():
        return [root]
    found = []
    for path in root.rglob("*"):
        relative = path.relative_to(root).parts
        if any(part.startswith(".") or part == "__pycache__" for part in relative):
            continue
        if path.is_file():
            found.append(path)
    return sorted(found, key=lambda p: p.relative_to(root).as_posix())


def content_hash(root: Path) -> str:
    """``sha256:<64 hex digits>`` of the catalog folder ``root``."""
    digest = hashlib.sha256()
    for path in catalog_files(root):
        data = path.read_bytes()
        name = path.name if path == root else path.relative_to(root).as_posix()
        digest.update(f"{name}\0{len(data)}\0".encode())
        digest.update(data)
    return PREFIX + digest.hexdigest()


def short_hash(full: str) -> str:
    """The first hex digits of a content hash, for a footer line."""
    return full.removeprefix(PREFIX)[:SHORT]
