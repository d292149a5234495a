"""Issue 12, point 4: the fast paths of a national audit give what the slow ones gave.

* a plain YAML document built from libyaml's events (``yamlio.load_plain``) is the
  document the full reader builds, and anything unusual goes to the full reader;
* a document in the block layout read line by line (``yamlio._load_block``) is the
  document the full reader builds, even damaged at random, and anything else goes to
  libyaml's events;
* JSON read by the C parser is what the checked reader gives, and its refusals stay;
* communes rendered in the workers (``run_rendered_audit``) make the same report, byte
  for byte, as communes rendered by the parent, with the same figures and exit code;
* a file named twice (through a symbolic link) is still read once.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import pytest
import yaml
from helpers import damaged
from hypothesis import given, settings
from hypothesis import strategies as st

from eligibility.audit.batch import run_audit, run_rendered_audit
from eligibility.audit.findings import AuditOptions
from eligibility.audit.inputs import discover, read_profile_document
from eligibility.audit.summary import brick_summaries, exit_code, totals
from eligibility.catalog.loading import load_catalog
from eligibility.documents import yamlio
from eligibility.documents.bounded import LIMITS, load_json, read_input
from eligibility.errors import InputError
from eligibility.profile.loading import read_document
from eligibility.reports import audit as audit_reports
from eligibility.reports.audit import JsonEntries, audit_json_chunks

ROOT = Path(__file__).resolve().parent.parent
COMMUNES = ROOT / "fixtures" / "communes"
AUDIT = ROOT / "fixtures" / "audit"
DAY = dt.date(2023, 1, 15)
CATALOG = load_catalog(ROOT / "rules")


@pytest.fixture(autouse=True)
def _fixed_time(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")  # reports compared byte for byte


def full_yaml(text: str) -> object:
    """The full reader alone (node graph measured, then built), without the fast path."""
    loader = yamlio.InputLoader(text)
    try:
        node = yamlio.compose_checked(loader)
        return None if node is None else loader.construct_document(node)
    finally:
        loader.dispose()


# --- YAML ------------------------------------------------------------------------------

def test_every_yaml_file_of_the_project_is_built_alike():
    files = [*ROOT.glob("rules/**/*.yaml"), *ROOT.glob("fixtures/**/*.yaml")]
    plain = 0
    for path in files:
        text = path.read_text(encoding="utf-8-sig")
        try:
            fast = yamlio.load_plain(text)
        except (yamlio.Unusual, yaml.YAMLError):
            continue
        plain += 1
        assert repr(fast) == repr(full_yaml(text)), path
    assert plain > len(files) * 0.9  # the fast path is the usual one


scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-10**12, 10**12),
    st.floats(allow_nan=False), st.text(max_size=12),
    st.sampled_from(["yes", "No", "on", "~", "null", "0o17", "017", "0x1F", "1_000", "1:30",
                     "2023-02-30", "2022-06-20", ".inf", "-.NaN", "1e3", "+12", "<<", "=",
                     "", " ", "'", "#", "- a", "a: b", "9" * 45]))
documents = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(scalars, inner, max_size=4)), max_leaves=20)


@settings(max_examples=300, deadline=None)
@given(data=documents, flow=st.sampled_from([None, True, False]))
def test_plain_documents_are_built_as_the_full_reader_builds_them(data, flow):
    try:
        text = yaml.safe_dump(data, default_flow_style=flow, allow_unicode=True)
    except yaml.YAMLError:
        return
    try:
        expected: object = ("built", repr(full_yaml(text)))
    except yaml.YAMLError as error:
        expected = ("refused", yamlio.describe_yaml_error(error))
    try:
        fast: object = ("built", repr(yamlio.load_plain(text)))
    except (yamlio.Unusual, yaml.YAMLError):
        fast = None  # left to the full reader
    if fast is not None:
        assert fast == expected
    # load_yaml, whichever way it goes, gives what the full reader gives
    try:
        assert ("built", repr(yamlio.load_yaml(text))) == expected
    except yaml.YAMLError as error:
        assert ("refused", yamlio.describe_yaml_error(error)) == expected


# --- the block layout, read line by line ----------------------------------------------

def block_or_none(text: str) -> object:
    try:
        return ("built", repr(yamlio._load_block(text)))
    except yamlio.Unusual:
        return None


def full_or_refused(text: str) -> object:
    try:
        return ("built", repr(full_yaml(text)))
    except yaml.YAMLError as error:
        return ("refused", yamlio.describe_yaml_error(error))


PROJECT_YAML = sorted([*ROOT.glob("rules/**/*.yaml"), *ROOT.glob("fixtures/**/*.yaml")])


def test_the_block_layout_is_read_as_the_full_reader_reads_it():
    """Every YAML file of the project, as written and as PyYAML's dump writes it."""
    read = 0
    for path in PROJECT_YAML:
        text = path.read_text(encoding="utf-8-sig")
        variants = [text]
        if full_or_refused(text)[0] == "built":  # bad-malformed.yaml is not
            variants.append(yaml.safe_dump(full_yaml(text), allow_unicode=True,
                                           sort_keys=False))
        for variant in variants:
            fast = block_or_none(variant)
            if fast is not None:
                read += 1
                assert fast == full_or_refused(variant), path
    assert read > len(PROJECT_YAML) * 1.5  # hand-written files (flow, comments) too


@pytest.mark.parametrize("text", [
    "a:\n  - 1\n  - {b: c, 'd': \"e\"}\n",  # an indented sequence, a flow mapping
    "a:\n- x\n- [1, 2, yes, ~]\nb: []\nc: {}\n",  # a sequence at its key's indentation
    "# a comment\na: 1   # after a value\n\n   # indented\nb:   # after a key\n  c: d\n",
    "- - a\n  - b\n-   c: 1\n    d: 2\n",
    "'a b': 1\n\"c\": 2\n'it''s': 'l''école'\n",
    "a: x#y\nb: -1\nc: 1_000\nd: 1:30\ne: 0o17\nf: .inf\ng: 2023-02-30\nh: No\ni: 017\n",
    "1: a\nfalse: b\n~: c\n2023-01-01: d\n",
    "  a: 1\n  b: 2\n",  # a document indented as a whole
    "a: [ ]\nb: { }\n",
    "a: b,c\nd: x!y&z*\ne: 'a#b'\n",
])
def test_block_documents_are_built_as_the_full_reader_builds_them(text):
    assert block_or_none(text) == full_or_refused(text)


@pytest.mark.parametrize("text", [
    "a: b\n  c\n",  # a plain scalar on two lines
    "a: 'b\n  c'\n",  # a quoted one
    "a: |\n  text\n",  # a block scalar
    "a: >\n  text\n",
    "a:b\n",  # a scalar, not a mapping
    "key : v\n",
    "a: 'x' # c\n",  # a comment after quotes
    "a: 'x #c'\n",  # or inside them: quotes and " #" on one line are left to libyaml
    "a: \"x\\ty\"\n",  # an escape
    "a:\n\tb: 1\n",  # a tab
    "a: 1\r\nb: 2\r\n",  # carriage returns
    "a: 1\u2028b: 2\n",  # a line separator
    "--- a: 1\n", "a: 1\n...\n", "%YAML 1.1\n---\na: 1\n",
    "a: &x 1\nb: *x\n", "a: !!str 1\n", "<<: {a: 1}\n", "? a\n: 1\n",
    "a: 1\na: 2\n", "a: {b: 1, b: 2}\n", "1: a\ntrue: b\n",
    "a:\n    b: 1\n  c: 2\n",  # an indentation going back to no level
    "a: 1\n- b\n", "- a\nb: 1\n",
    "a: [1, [2]]\n", "a: [1, 2,]\n", "a: {b}\n", "a: [b: c]\n", "a: [x] y\n",
    "a: - b\n", "a: b: c\n", "-\n  a: 1\n",
    "a: @b\n", "a: `b\n", "a: %b\n", "a: ?b\n", "a: :b\n",
    "",  # empty: libyaml says None
    "a: " + "9" * (LIMITS.max_int_digits + 1) + "\n",
    "".join(f"{' ' * (2 * i)}k:\n" for i in range(LIMITS.max_depth)),
])
def test_anything_else_is_left_to_libyaml(text):
    assert block_or_none(text) is None
    # and the document is still what the full reader makes of it
    try:
        assert ("built", repr(yamlio.load_yaml(text))) == full_or_refused(text)
    except yaml.YAMLError as error:
        assert ("refused", yamlio.describe_yaml_error(error)) == full_or_refused(text)


@settings(max_examples=300, deadline=None)
@given(data=documents, indent=st.sampled_from([2, 3, 4]))
def test_dumped_block_documents_are_built_as_the_full_reader_builds_them(data, indent):
    try:
        text = yaml.safe_dump(data, default_flow_style=False, allow_unicode=True,
                              indent=indent)
    except yaml.YAMLError:
        return
    fast = block_or_none(text)
    if fast is not None:
        assert fast == full_or_refused(text)


EDITS = ["- ", ": ", ":", " #", "#", "'", '"', "''", "[", "]", "{", "}", ",", "\n", "\n  ",
         "  ", " ", "\t", "&a ", "*a", "!", "|", ">", "---", "...", "%", "@", "?", "-",
         "~", "yes", "1:2", "\\", "\u2028", "\r"]


@settings(max_examples=400, deadline=None)
@given(source=st.sampled_from(PROJECT_YAML[:40]), edits=st.lists(st.tuples(
    st.floats(0, 1), st.sampled_from(["insert", "delete", "indent"]),
    st.sampled_from(EDITS)), min_size=1, max_size=4))
def test_a_damaged_document_is_read_as_the_full_reader_reads_it_or_left_to_it(source, edits):
    """A file edited at random (a token inserted, a character deleted, a line indented):
    whatever the block reader builds, the full reader builds too; it never accepts what
    the full reader refuses."""
    text = damaged(source.read_text(encoding="utf-8-sig"), edits)
    fast = block_or_none(text)
    if fast is not None:
        assert fast == full_or_refused(text)


def test_what_the_block_reader_builds_is_new_each_time():
    """Lines are remembered by their text: a document's lists and mappings are its own."""
    text = "a: []\nb: {}\nc: [1]\nd:\n  e: 1\n"
    first = yamlio._load_block(text)
    first["a"].append(1)
    first["b"]["x"] = 1
    first["c"].append(2)
    first["d"]["f"] = 2
    assert yamlio._load_block(text) == {"a": [], "b": {}, "c": [1], "d": {"e": 1}}


@pytest.mark.parametrize("text", [
    "a: &x [1, 2]\nb: *x\n",  # an alias
    "a: !!str 1\n",  # a tag
    "<<: {a: 1}\n",  # a merge key
    "? [a]\n: 1\n",  # a complex key
    "a: 1\na: 2\n",  # a key given twice
    "1: a\ntrue: b\n",  # 1 and true are one key
    "a: 1\n---\nb: 2\n",  # two documents
    "a: " + "9" * (LIMITS.max_int_digits + 1) + "\n",
    "[" * (LIMITS.max_depth + 5) + "]" * (LIMITS.max_depth + 5),
])
def test_unusual_documents_go_to_the_full_reader(text):
    with pytest.raises(yamlio.Unusual):
        yamlio.load_plain(text)


def test_an_alias_bomb_is_still_refused_by_its_graph():
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    with pytest.raises(yamlio.GraphError, match="alias bomb"):
        yamlio.load_yaml("\n".join(lines) + "\n")


def test_a_large_plain_document_is_left_to_the_full_reader(monkeypatch):
    monkeypatch.setattr(LIMITS, "max_nodes", 50)
    text = "\n".join(f"- {i}" for i in range(40)) + "\n"
    with pytest.raises(yamlio.Unusual):
        yamlio.load_plain(text)  # 40 nodes: above half the limit, the full reader decides
    assert yamlio.load_yaml(text) == list(range(40))


def test_profile_files_read_fast_are_the_documents_check_reads(tmp_path):
    bad = tmp_path / "twice.yaml"
    bad.write_text("commune:\n  insee: '30060'\n  insee: '30061'\n", encoding="utf-8")
    with pytest.raises(InputError) as fast:
        read_profile_document(bad)
    with pytest.raises(InputError) as slow:
        read_document(bad)
    assert str(fast.value) == str(slow.value)
    assert "given twice" in str(fast.value) and "line 3" in str(fast.value)
    for path in sorted(COMMUNES.glob("*.yaml"))[:10]:
        assert read_profile_document(path) == read_document(path)


# --- JSON ------------------------------------------------------------------------------

json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-10**30, 10**30),
              st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=10)),
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(st.text(max_size=6), inner, max_size=4)),
    max_leaves=20)


@settings(max_examples=200, deadline=None)
@given(data=json_values)
def test_json_is_read_as_the_checked_reader_reads_it(data):
    text = json.dumps(data)
    assert repr(load_json(text, "x.json")) == repr(json.loads(text))


@pytest.mark.parametrize(("text", "message"), [
    ('{"a": 1, "a": 2}', "key 'a' given twice"),
    ('{"a": NaN}', "NaN is not a number JSON allows"),
    ('{"a": 1e400}', "number '1e400' is too large"),
    ('{"a": ' + "9" * 41 + "}", "integer of 41 digits"),
    ('{"a": [1,', "malformed JSON at line 1, column 10"),
])
def test_json_refusals_are_unchanged(text, message):
    with pytest.raises(InputError, match=message.replace("(", r"\(").replace("[", r"\[")):
        load_json(text, "x.json")


def test_read_input_reads_whole_files(tmp_path):
    for size in (0, 1, 4096, 3 * 1024 * 1024 + 7):
        path = tmp_path / f"f{size}"
        path.write_bytes(os.urandom(size))
        assert read_input(path) == path.read_bytes()
    status = Path("/proc/self/status")  # a regular file whose size says 0
    if status.exists():
        assert b"Name:" in read_input(status)


# --- rendered in the workers -----------------------------------------------------------

def _both(paths: list[str], jobs: int, lang: str = "fr") -> tuple[str, str, object, object]:
    options = AuditOptions(DAY)
    objects = run_audit(CATALOG, paths, options, jobs)
    rendered = run_rendered_audit(CATALOG, paths, options, JsonEntries(CATALOG, lang), jobs)
    return ("".join(audit_json_chunks(objects, lang)),
            "".join(audit_json_chunks(rendered, lang)), objects, rendered)


@pytest.mark.parametrize("jobs", [1, 2])
def test_communes_rendered_in_the_workers_make_the_same_report(jobs):
    # fixtures, a CSV matrix with bad rows, and a commune given twice
    paths = [str(COMMUNES), str(AUDIT / "export-lignes-invalides.csv"),
             str(COMMUNES / "30060-caissargues.yaml"), str(AUDIT / "matrice.csv")]
    by_parent, by_workers, objects, rendered = _both(paths, jobs)
    assert by_parent == by_workers
    assert json.loads(by_workers)["summary"]["rejected"]
    assert brick_summaries(objects) == brick_summaries(rendered)  # type: ignore[arg-type]
    assert totals(objects) == totals(rendered)  # type: ignore[arg-type]
    for fail_on in ("error", "warning", "never"):
        assert exit_code(objects, fail_on) == exit_code(rendered, fail_on)  # type: ignore[arg-type]


def test_large_reports_rendered_in_the_workers_are_one_commune_a_line(monkeypatch):
    monkeypatch.setattr(audit_reports, "PRETTY_UP_TO", 10)
    by_parent, by_workers, _, _ = _both([str(COMMUNES)], 2, "en")
    assert by_parent == by_workers
    lines = by_workers.splitlines()
    assert sum(1 for line in lines if line.startswith('    {"insee":')) == 39


def test_the_same_file_named_twice_is_read_once(tmp_path):
    source = COMMUNES / "30060-caissargues.yaml"
    (tmp_path / "a.yaml").write_bytes(source.read_bytes())
    (tmp_path / "link.yaml").symlink_to(tmp_path / "a.yaml")
    units, rejected = discover([str(tmp_path), str(tmp_path / "a.yaml"),
                                str(tmp_path / ".." / tmp_path.name / "a.yaml")], CATALOG)
    assert len(units) == 1 and not rejected


def test_entries_travel_through_the_spool_or_with_their_batch(monkeypatch):
    from eligibility.audit import rendered

    paths = [str(COMMUNES)]
    by_parent, by_workers, _, run = _both(paths, 2)
    assert by_parent == by_workers
    assert all(isinstance(c.entries, rendered.Spool) for c in run.communes)  # type: ignore[attr-defined]

    def full_disk(self: object, data: bytes) -> int:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(rendered.Spool, "write", full_disk)
    _, by_batches, _, run = _both(paths, 2)
    assert by_batches == by_workers
    assert all(isinstance(c.entries, rendered.Held) for c in run.communes)  # type: ignore[attr-defined]


def test_entries_read_in_small_pieces_make_the_same_report(monkeypatch):
    by_parent, by_workers, _, _ = _both([str(COMMUNES)], 2)
    monkeypatch.setattr(audit_reports, "_PIECE", 100)  # one commune a piece, or less
    _, in_pieces, _, _ = _both([str(COMMUNES)], 2)
    assert by_parent == by_workers == in_pieces


def _written(run: object, path: Path) -> str:
    from eligibility.cli.options import write_chunks
    from eligibility.reports.audit import render_chunks

    write_chunks(render_chunks(run, "json"), str(path))  # type: ignore[arg-type]
    return path.read_text(encoding="utf-8")


def test_entries_are_copied_from_the_spool_file_to_file_or_else_read(tmp_path, monkeypatch):
    """A report is written from the workers' spool by ``copy_file_range``; where the
    kernel cannot (another file system, an old kernel), read and written, in pieces."""
    from eligibility.audit import rendered

    _, by_workers, _, run = _both([str(COMMUNES)], 2)
    pieces = list(audit_reports.render_chunks(run, "json"))  # type: ignore[arg-type]
    assert any(isinstance(p, rendered.Span) for p in pieces)
    assert _written(run, tmp_path / "copied.json") == by_workers
    copies: list[int] = []
    real_copy = os.copy_file_range

    def counted(*args: int) -> int:
        copies.append(args[2])
        return real_copy(*args)

    def refused(*args: int) -> int:
        raise OSError(18, "Invalid cross-device link")

    monkeypatch.setattr(os, "copy_file_range", counted)
    assert _written(run, tmp_path / "counted.json") == by_workers and copies
    monkeypatch.setattr(os, "copy_file_range", refused)
    monkeypatch.setattr(rendered, "_WRITTEN", 1000)  # read and written in small pieces
    assert _written(run, tmp_path / "read.json") == by_workers
    monkeypatch.delattr(os, "copy_file_range")
    assert _written(run, tmp_path / "old.json") == by_workers


def test_entries_in_the_spool_reach_a_pipe(tmp_path):
    import threading

    _, by_workers, _, run = _both([str(COMMUNES)], 2)
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    expected = by_workers.encode("utf-8")
    got: list[bytes] = []
    end = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)  # open before the writer comes
    keep = os.open(fifo, os.O_WRONLY)  # a writer always there: no end of file before it
    os.set_blocking(end, True)

    def read() -> None:
        size = 0
        while size < len(expected):
            got.append(os.read(end, 1 << 16))
            size += len(got[-1])

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    from eligibility.cli.options import write_chunks

    write_chunks(audit_reports.render_chunks(run, "json"), str(fifo))  # type: ignore[arg-type]
    reader.join(30)
    os.close(keep)
    os.close(end)
    assert b"".join(got) == expected
