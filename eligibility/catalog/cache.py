"""A loaded catalog kept between runs, so that a cold command does not read, validate
and compile the same YAML again (issue 12: about a fifth of a cold ``check``).

Never stale, by its key: the SHA-256 of the catalog folder's bytes (``content_hash``),
of every module of this package by path, size and modification time (the code that
reads a catalog and the classes a stored one is made of; the test Python applies to
its own bytecode), the Python version, and the folder as given and as resolved (the
catalog keeps its path for messages). A byte changed anywhere is another
key. Only a catalog loaded without error is stored.

Safe to read: entries live in ``$XDG_CACHE_HOME/eligibility`` (``~/.cache/eligibility``),
created for the user alone; an entry is a pickle (loading one runs code), so one not
owned by the user, or writable by others, or in a folder others may write, is ignored.
Anything wrong (unreadable, corrupt, disk full, read-only home) is ignored too: the
catalog is then read as without a cache. At most ``MAX_ENTRIES`` are kept, the oldest
removed first. ``ELIGIBILITY_NO_CACHE=1`` turns the cache off.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import pickle
import stat
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from eligibility.catalog.content_hash import content_hash

if TYPE_CHECKING:
    from eligibility.catalog.model import Catalog

MAX_ENTRIES = 32
_PACKAGE = Path(__file__).resolve().parent.parent


def cache_dir() -> Path | None:
    """The folder of the entries, or None when the cache is off."""
    if os.environ.get("ELIGIBILITY_NO_CACHE"):
        return None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    if not os.path.isabs(base):
        return None
    return Path(base) / "eligibility"


@functools.lru_cache(maxsize=1)
def _code_hash() -> str:
    """The package's modules by path, size and modification time: what Python itself
    trusts to reuse their bytecode (reading them all would cost more than the YAML)."""
    digest = hashlib.sha256(sys.version.encode())
    pending = [str(_PACKAGE)]
    found: list[tuple[str, int, int]] = []
    while pending:
        with os.scandir(pending.pop()) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False) and entry.name != "__pycache__":
                    pending.append(entry.path)
                elif entry.name.endswith(".py"):
                    info = entry.stat()
                    found.append((entry.path, info.st_size, info.st_mtime_ns))
    for path, size, mtime in sorted(found):
        digest.update(f"{path}\0{size}\0{mtime}\0".encode())
    return digest.hexdigest()


def _entry(root: Path) -> tuple[Path, str] | None:
    folder = cache_dir()
    if folder is None:
        return None
    catalog_hash = content_hash(root)
    digest = hashlib.sha256()
    for part in (catalog_hash, _code_hash(), str(root), str(root.resolve())):
        digest.update(part.encode() + b"\0")
    return folder / f"catalog-{digest.hexdigest()}.pickle", catalog_hash


def _trusted(*items: Path) -> bool:
    """Owned by the user, writable by the user alone, no symbolic link."""
    for item in items:
        info = item.lstat()
        if (info.st_uid != os.getuid() or info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)
                or stat.S_ISLNK(info.st_mode)):
            return False
    return True


def load(root: Path) -> Catalog | None:
    """The catalog stored for ``root`` as it is now, or None."""
    from eligibility.catalog.model import Catalog

    try:
        found = _entry(root)
        if found is None:
            return None
        path, catalog_hash = found
        if not path.exists() or not _trusted(path.parent, path):
            return None
        with path.open("rb") as handle:
            catalog = pickle.load(handle)  # noqa: S301 - a file only this user can write
    except Exception:  # noqa: BLE001 - a broken entry is no entry
        return None
    if not isinstance(catalog, Catalog) or catalog.content_hash != catalog_hash:
        return None
    return catalog


def store(root: Path, catalog: Catalog) -> None:
    """Keep ``catalog`` (loaded from ``root`` without error) for the next runs."""
    try:
        found = _entry(root)
        if found is None:
            return
        path, catalog_hash = found
        if catalog.content_hash != catalog_hash:  # changed while it was being read
            return
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not _trusted(path.parent):
            return
        data = pickle.dumps(catalog, protocol=pickle.HIGHEST_PROTOCOL)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".catalog-")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
            os.replace(temporary, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise
        entries = sorted(path.parent.glob("catalog-*.pickle"),
                         key=lambda p: p.stat().st_mtime_ns)
        for old in entries[:-MAX_ENTRIES]:
            with contextlib.suppress(OSError):
                old.unlink()
    except Exception:  # noqa: BLE001, S110 - no cache is no harm: the catalog was read
        return
