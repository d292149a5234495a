"""Issue 12: a loaded catalog kept between runs, never stale, never trusted blindly."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from eligibility.catalog import cache, loading
from eligibility.catalog.loading import load_catalog
from eligibility.catalog.model import read_catalog, shipped_rules_dir


@pytest.fixture()
def rules(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("ELIGIBILITY_NO_CACHE", raising=False)
    monkeypatch.setattr(loading, "_CACHE", {})
    folder = tmp_path / "rules"
    shutil.copytree(shipped_rules_dir(), folder,
                    ignore=shutil.ignore_patterns("__pycache__"))
    return folder


def _entries(tmp_path: Path) -> list[Path]:
    return sorted((tmp_path / "cache" / "eligibility").glob("catalog-*.pickle"))


def test_a_second_run_reads_the_stored_catalog(rules: Path, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    first = load_catalog(rules)
    assert len(_entries(tmp_path)) == 1
    monkeypatch.setattr(loading, "_CACHE", {})  # as a new process
    monkeypatch.setattr(loading, "read_catalog", lambda root: pytest.fail("read again"))
    second = load_catalog(rules)
    assert second is not first
    assert second == first
    assert second.content_hash == first.content_hash


def test_a_changed_byte_is_another_entry(rules: Path, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    load_catalog(rules)
    brick = sorted((rules / "bricks").glob("*.yaml"))[0]
    brick.write_text(brick.read_text(encoding="utf-8") + "\n# changed\n", encoding="utf-8")
    monkeypatch.setattr(loading, "_CACHE", {})
    calls: list[Path] = []

    def counting(root: Path):  # type: ignore[no-untyped-def]
        calls.append(root)
        return read_catalog(root)

    monkeypatch.setattr(loading, "read_catalog", counting)
    load_catalog(rules)
    assert calls == [rules]
    assert len(_entries(tmp_path)) == 2


@pytest.mark.parametrize("spoil", ["corrupt", "writable by others", "off"])
def test_a_doubtful_entry_is_not_used(rules: Path, tmp_path: Path,
                                      monkeypatch: pytest.MonkeyPatch, spoil: str) -> None:
    load_catalog(rules)
    [entry] = _entries(tmp_path)
    if spoil == "corrupt":
        entry.write_bytes(b"not a pickle")
    elif spoil == "writable by others":
        os.chmod(entry, 0o666)
    else:
        monkeypatch.setenv("ELIGIBILITY_NO_CACHE", "1")
    monkeypatch.setattr(loading, "_CACHE", {})
    calls: list[Path] = []

    def counting(root: Path):  # type: ignore[no-untyped-def]
        calls.append(root)
        return read_catalog(root)

    monkeypatch.setattr(loading, "read_catalog", counting)
    assert load_catalog(rules).bricks
    assert calls == [rules]
    if spoil != "off":  # read again, then stored again for this user alone
        assert entry.stat().st_mode & 0o077 == 0
        assert cache.load(rules) is not None
