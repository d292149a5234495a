"""The hostile corpus (issue 9): bad inputs every command must refuse cleanly.

Plain module, no conftest magic: ``cases()`` lists each case with the files it needs
(large ones generated here, never stored), the command line, the exit code expected
and a regular expression every stderr must match (``error: FILE: …``). Paths in the
command line are written ``{d}/name``: the folder the files are written into.

Run them all: ``python -m pytest tests/test_hostile_corpus.py``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BUDGET = (ROOT / "fixtures" / "budget-2023.yaml").read_text(encoding="utf-8")
POULX = 'commune: {insee: "30206", name: Poulx}\n'


def bomb(levels: int = 9) -> str:
    """The 'billion laughs' inside a real field (vsi.use_cases): 9**9 values, 1 KB of text."""
    lines = [POULX.rstrip("\n"), 'x0: &a0 ["crowd","crowd","crowd","crowd","crowd","crowd",'
             '"crowd","crowd","crowd"]']
    for n in range(1, levels - 1):
        lines.append(f"x{n}: &a{n} [" + ",".join([f"*a{n - 1}"] * 9) + "]")
    lines.append("vsi: {use_cases: [" + ",".join([f"*a{levels - 2}"] * 9) + "]}")
    return "\n".join(lines) + "\n"


def profile(**sections: object) -> str:
    data: dict[str, object] = {"commune": {"insee": "30206", "name": "Poulx"}}
    data.update(sections)
    return json.dumps(data)


@dataclass
class Case:
    name: str
    args: list[str]
    files: dict[str, str | bytes] = field(default_factory=dict)
    exit: int = 2
    stderr: str = r"^(error: .+\n)+$"  # every line an error line, at least one
    stdin: bytes | None = None
    prepare: Callable[[Path], None] | None = None  # a FIFO, a symbolic link…

    def argv(self, folder: Path) -> list[str]:
        return [a.replace("{d}", str(folder)) for a in self.args]

    def write(self, folder: Path) -> None:
        for name, content in self.files.items():
            path = folder / name
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content, encoding="utf-8")
        if self.prepare is not None:
            self.prepare(folder)


def _profile_cases() -> list[tuple[str, str | bytes, str]]:
    """(name, file content, a stderr fragment) of bad profiles; suffix from the name."""
    deep = "[" * 100_000 + "]" * 100_000
    return [
        ("bomb.yaml", bomb(), r"alias bomb"),
        ("recursive-alias.yaml", POULX + "x: &a [*a]\n", r"recursive alias|alias"),
        ("deep.json", deep, r"nested 65 levels deep"),
        ("deep-map.json", '{"a":' * 100_000 + "1" + "}" * 100_000, r"nested"),
        ("deep.yaml", POULX + "x: " + "[" * 5000 + "]" * 5000 + "\n", r"nest"),
        ("bigint.json", profile(equipment={"cameras": 0}).replace('"cameras": 0',
                                                                  '"cameras": ' + "9" * 5000),
         r"integer of 5,000 digits"),
        ("bigint.yaml", POULX + "equipment: {cameras: " + "9" * 5000 + "}\n",
         r"integer of 5,000 digits"),
        ("huge-value.yaml", POULX + "network: {fibre: " + "x" * 1_000_000 + "}\n",
         r"network\.fibre: unknown fibre level 'x{10,60}…"),
        ("dup.json", '{"commune": {"insee": "30206", "name": "A"}, "commune": {}}',
         r"key 'commune' given twice"),
        ("dup.yaml", POULX + POULX, r"key 'commune' given twice"),
        ("nan.json", profile().replace("}}", '}, "finances": {"fonctionnement": NaN}}'),
         r"NaN is not a number JSON allows"),
        ("overflow.json", profile().replace("}}", '}, "finances": {"fonctionnement": 1e400}}'),
         r"too large"),
        ("inf.yaml", POULX + "finances: {year: 2021, fonctionnement: .inf}\n",
         r"finances\.fonctionnement: expected a finite number"),
        ("count-bool.yaml", POULX + "equipment: {cameras: true}\n",
         r"equipment\.cameras: expected a whole number \(got True\)"),
        ("count-float.yaml", POULX + "equipment: {cameras: 2.0}\n", r"whole number"),
        ("count-str.yaml", POULX + "equipment: {cameras: '3'}\n", r"whole number"),
        ("bool-int.yaml", POULX + "network: {gecko: 1}\n", r"network\.gecko: expected true"),
        ("bool-str.yaml", POULX + "network: {gecko: 'yes'}\n", r"expected true or false"),
        ("date-int.yaml", POULX + "convention: {version: avenant-6, signed_on: 20221213}\n",
         r"convention\.signed_on: expected a date YYYY-MM-DD"),
        ("date-epoch.json", profile(convention={"version": "avenant-6",
                                                "signed_on": 1670889600}),
         r"expected a date YYYY-MM-DD"),
        ("datetime.yaml", POULX + "convention: {version: avenant-6, "
                                  "signed_on: 2022-12-13T10:00:00}\n", r"expected a date"),
        ("impossible-date.yaml", POULX + "convention: {version: avenant-6, "
                                         "signed_on: 2022-02-30}\n", r"impossible date"),
        ("insee-arabic.json", '{"commune": {"insee": "٣٠٢٠٦", "name": "P"}}',
         r"commune\.insee: expected a 5-character INSEE code"),
        ("insee-fullwidth.json", '{"commune": {"insee": "３０２０６", "name": "P"}}',
         r"commune\.insee"),
        ("epci-near-miss.yaml", 'commune: {insee: "30206", name: P, epci: nimes-metropol}\n',
         r"commune\.epci: .*did you mean 'nimes-metropole'"),
        ("name-escape.json", '{"commune": {"insee": "30206", "name": "P\\u001b[2J\\nerror: x"}}',
         r"commune\.name: control characters are not allowed"),
        ("not-utf8.yaml", b"commune: {insee: '30206', name: \xff\xfe\xfa}\n", r"not UTF-8"),
        ("binary.yaml", bytes(range(256)) * 4, r"not UTF-8"),
        ("list.yaml", "- 1\n- 2\n", r"expected a mapping"),
        ("empty.yaml", "", r"expected a mapping"),
        ("tag.yaml", "!!python/object:os.system {}\n", r"malformed YAML"),
    ]


def cases() -> list[Case]:
    found: list[Case] = []
    for name, content, fragment in _profile_cases():
        pattern = rf"^(error: .+\n)*error: [^\n]*{name}[^\n]*{fragment}[^\n]*\n(error: .+\n)*$"
        found.append(Case(f"check-{name}", ["check", f"{{d}}/{name}"], {name: content},
                          stderr=pattern))
        found.append(Case(f"audit-{name}", ["audit", f"{{d}}/{name}"], {name: content},
                          stderr=pattern))
        found.append(Case(f"explain-{name}", ["explain", f"{{d}}/{name}", "vsi"],
                          {name: content}, stderr=pattern))
        found.append(Case(f"costs-{name}", ["costs", f"{{d}}/{name}", "--budget",
                                            "{d}/budget.yaml"],
                          {name: content, "budget.yaml": BUDGET}, stderr=pattern))
    good = (ROOT / "fixtures" / "communes" / "30036-bernis.yaml").read_text(encoding="utf-8")
    found += [
        Case("check-folder", ["check", "{d}/dir.yaml"],
             prepare=lambda d: (d / "dir.yaml").mkdir(),
             stderr=r"^error: .*dir\.yaml: is a folder"),
        Case("check-missing", ["check", "{d}/nothere.yaml"], stderr=r"nothere\.yaml: no such file"),
        Case("check-too-large", ["check", "--max-input-size", "1k", "{d}/big.yaml"],
             {"big.yaml": POULX + "#" * 5000 + "\n"}, stderr=r"too large: 5,\d+ bytes, the limit "
                                                             r"is 1 KiB — raise it with"),
        Case("check-size-raised", ["check", "--max-input-size", "1M", "--brick", "socle",
                                   "{d}/big.yaml"], {"big.yaml": POULX + "#" * 5000 + "\n"},
             exit=1, stderr=r"^$"),
        Case("check-bad-size-option", ["check", "--max-input-size", "lots", "{d}/p.yaml"],
             {"p.yaml": POULX}, stderr=r"max-input-size"),
        Case("check-stdin", ["check", "-", "--brick", "socle"], stdin=POULX.encode(), exit=1,
             stderr=r"^$"),
        Case("check-stdin-json-dup", ["check", "-"], stdin=b'{"commune": {}, "commune": {}}',
             stderr=r"^error: <stdin>: malformed JSON: key 'commune' given twice\n$"),
        # Batches: the good file is still audited, each bad one reported.
        Case("audit-batch", ["audit", "--format", "json", "{d}/good.yaml", "{d}/bomb.yaml",
                             "{d}/deep.json", "{d}/gone.yaml", "{d}/folder"],
             {"good.yaml": good, "bomb.yaml": bomb(), "deep.json": "[" * 100_000,
              "folder/bad.yaml": "commune: [", "folder/ok.json": profile()},
             stderr=r"^(error: .+\n){4}$"),
        Case("audit-empty-folder", ["audit", "{d}/empty"], prepare=lambda d: (d / "empty").mkdir(),
             stderr=r"no profile .* in this folder"),
        # CSV: read exactly, or refused naming the line.
        Case("csv-unbalanced-quote", ["audit", "{d}/m.csv"],
             {"m.csv": 'insee;name;vsi\n30206;"Poulx;x\n30001;Aigues-Mortes;x\n'},
             stderr=r"^error: .*m\.csv:2: unbalanced quote"),
        Case("csv-quote-closed-later", ["audit", "{d}/m.csv"],
             {"m.csv": 'insee;name;socle\n30206;"Poulx;x\n30001;Aigues";x\n30002;B;x\n'},
             stderr=r"^error: .*m\.csv:2: a quoted cell runs from line 2 to line 3"),
        Case("csv-huge-cell", ["audit", "{d}/m.csv"],
             {"m.csv": 'insee;name\n30206;"' + "x" * 200_000 + '"\n'},
             stderr=r"m\.csv:2: a cell is larger than"),
        Case("csv-long-cell", ["audit", "{d}/m.csv"],
             {"m.csv": "insee;name\n30206;" + "x" * 5000 + "\n30001;B\n"},
             stderr=r"^error: .*m\.csv:2: name: a cell of 5,000 characters, at most 4,096\n$"),
        Case("csv-leading-blank-line", ["audit", "--format", "json", "{d}/m.csv"],
             {"m.csv": "\n\ninsee;name;socle\n30206;Poulx;x\n"}, exit=0, stderr=r"^$"),
        Case("csv-utf16-excel", ["audit", "--format", "json", "{d}/m.txt"],
             {"m.txt": "insee\tname\tsocle\r\n30206\tPoulx\tx\r\n".encode("utf-16")}, exit=0,
             stderr=r"^$"),
        Case("csv-every-bad-cell", ["audit", "{d}/m.csv"],
             {"m.csv": "insee;name;socle;signed_on;gecko;cameras\n"
                       "30206;Poulx;31/02/2023;2023-02-30;peut-être;beaucoup\n"},
             stderr=r"socle: impossible date '31/02/2023'.*\n(.*\n)*.*impossible date "
                    r"'2023-02-30'.*\n(.*\n)*.*gecko.*expected true or false.*\n(.*\n)*"
                    r".*cameras.*"),
        Case("csv-empty", ["audit", "{d}/m.csv"], {"m.csv": "\n\n"}, stderr=r"empty CSV file"),
        Case("csv-stdin", ["audit", "--format", "json", "-"],
             stdin=b"insee;name;socle\n30206;Poulx;x\n", exit=0, stderr=r"^$"),
        # Catalogs (--rules): the same readers, every rules command.
        *(Case(f"rules-{command[0]}-bomb", ["rules", *command, "--rules", "{d}/r"],
               {"r/catalog.yaml": bomb(), "r/bricks/.keep": ""},
               exit=1 if command == ["lint"] else 2, stderr=r"^$" if command == ["lint"] else
               r"^error: .*r/catalog\.yaml: .*alias bomb")
          for command in (["list"], ["show", "vsi"], ["graph"], ["lint"])),
        Case("rules-list-fifo-brick", ["rules", "list", "--rules", "{d}/r"],
             {"r/catalog.yaml": (ROOT / "rules" / "catalog.yaml").read_text(encoding="utf-8")},
             prepare=lambda d: (d / "r" / "bricks").mkdir() or __import__("os").mkfifo(
                 d / "r" / "bricks" / "x.yaml"),
             stderr=r"x\.yaml: not a regular file"),
        Case("schema-bad-rules", ["schema", "profile", "--rules", "{d}/nothere"],
             stderr=r"nothere: not a catalog directory"),
        # Budgets.
        Case("costs-budget-dup-json", ["costs", "{d}/p.yaml", "--budget", "{d}/b.json"],
             {"p.yaml": good, "b.json": '{"year": 2023, "year": 2024}'},
             stderr=r"b\.json: malformed JSON: key 'year' given twice"),
        Case("costs-budget-overflow", ["costs", "{d}/p.yaml", "--budget", "{d}/b.json"],
             {"p.yaml": good, "b.json": '{"year": 2023, "bricks": {"socle": {"etp": 1e308, '
                                        '"cost_per_etp": 1e308, "si": 1e308}}}'},
             stderr=r"b\.json"),
        Case("costs-budget-inf", ["costs", "{d}/p.yaml", "--budget", "{d}/b.yaml"],
             {"p.yaml": good, "b.yaml": "year: 2023\nbricks: {socle: {etp: .inf, "
                                        "cost_per_etp: 1, si: 1}}\n"},
             stderr=r"b\.yaml: bricks\.socle\.etp"),
        Case("costs-budget-bomb", ["costs", "{d}/p.yaml", "--budget", "{d}/b.yaml"],
             {"p.yaml": good, "b.yaml": bomb().replace(POULX.rstrip("\n"), "year: 2023")},
             stderr=r"b\.yaml: .*alias bomb"),
        Case("costs-batch-reports-every-problem",
             ["costs", "{d}/gone", "{d}/good.yaml", "{d}/bomb.yaml", "{d}/f", "--budget",
              "{d}/b.yaml"], {"good.yaml": good, "bomb.yaml": bomb(), "b.yaml": BUDGET,
                             "f/deep.json": "[" * 100_000},
             stderr=r"^error: .*gone: no such file or folder\n.*bomb\.yaml: .*alias bomb.*\n"
                    r".*deep\.json: malformed JSON: nested .*\n$"),
        Case("costs-stdin-twice", ["costs", "-", "--budget", "-"], stdin=POULX.encode(),
             stderr=r"standard input is given twice"),
        # Files are safe.
        Case("audit-output-is-input", ["audit", "{d}/p.yaml", "-o", "{d}/p.yaml"],
             {"p.yaml": good}, stderr=r"^error: --output: is an input of this run"),
        Case("audit-output-is-folder-member", ["audit", "{d}/f", "-o", "{d}/f/a.yaml"],
             {"f/a.yaml": good}, stderr=r"--output: is an input of this run"),
        Case("costs-output-is-budget", ["costs", "{d}/p.yaml", "--budget", "{d}/b.yaml",
                                        "-o", "{d}/b.yaml"], {"p.yaml": good, "b.yaml": BUDGET},
             stderr=r"--output: is an input"),
        Case("audit-output-is-catalog", ["audit", "{d}/p.yaml", "-o",
                                         str(ROOT / "rules" / "catalog.yaml")],
             {"p.yaml": good}, stderr=r"--output: is an input"),
        Case("audit-output-folder", ["audit", "{d}/p.yaml", "-o", "{d}"], {"p.yaml": good},
             stderr=r"is a folder, expected a file name"),
        Case("audit-nothing-keeps-report", ["audit", "{d}/gone.yaml", "-o", "{d}/report.txt"],
             {"report.txt": "old report\n"},
             stderr=r"^error: .*gone\.yaml: no such file or folder\n"
                    r"error: .*report\.txt: not written: no commune could be audited\n$"),
    ]
    return found
