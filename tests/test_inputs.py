"""Every reader of a file from outside refuses a file that is not UTF-8 text, holds a NUL
byte or nests JSON too deeply with one line naming the file (and the line), called from the
library as much as from the CLI; a deeply nested JSON file must not kill the process."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from yibao import inputs
from yibao.chain.deployment import Manifest
from yibao.errors import InputError, ManifestError, ScenarioError, YibaoError
from yibao.identity import PseudonymKey
from yibao.io.claims import read_claims_jsonl
from yibao.io.enrolment import read_enrolment_csv
from yibao.io.rules import read_items, read_policies
from yibao.simulate.scenario import load_scenario

KEY = PseudonymKey(b"\x01" * 32)

READERS: dict[str, Callable[[Path], Any]] = {
    "read_items csv": read_items,
    "read_items json": read_items,
    "read_policies": read_policies,
    "read_enrolment_csv": lambda p: read_enrolment_csv(p, KEY),
    "read_claims_jsonl": lambda p: read_claims_jsonl(p, lambda _: b"\x02" * 32, dt.date(2026, 1, 1),
                                                     lambda _: b"\x03" * 32),
    "load_scenario": load_scenario,
    "Manifest.load": Manifest.load,
}
SUFFIX = {"read_items csv": ".csv", "read_enrolment_csv": ".csv", "read_claims_jsonl": ".jsonl"}
BAD = {
    "gbk": ("a,b\n张三,1\n".encode("gbk"), r":2: not UTF-8 text \(byte 0xd5\)"),
    "nul": (b"region,code\n1,\x002\n", r":2: a NUL byte"),
    "bom then bad": (b"\xef\xbb\xbfa\nb\n\xff\n", r":3: not UTF-8 text \(byte 0xff\)"),
}
ERRORS = {"load_scenario": ScenarioError, "Manifest.load": ManifestError}


@pytest.mark.parametrize("reader", sorted(READERS))
@pytest.mark.parametrize("bad", sorted(BAD))
def test_every_reader_refuses_text_that_is_not_utf8_or_has_a_nul(reader: str, bad: str, tmp_path: Path) -> None:
    raw, message = BAD[bad]
    path = tmp_path / f"input{SUFFIX.get(reader, '.json')}"
    path.write_bytes(raw)
    with pytest.raises(ERRORS.get(reader, InputError), match=message) as ei:
        READERS[reader](path)
    assert "\n" not in str(ei.value) and str(path) in str(ei.value)


@pytest.mark.parametrize("reader", [r for r in sorted(READERS) if SUFFIX.get(r) != ".csv"])
def test_every_json_reader_refuses_deep_nesting_without_dying(reader: str, tmp_path: Path) -> None:
    assert sys.getrecursionlimit() >= 100_000  # py-evm raised it on import: the case that crashed
    limit = sys.getrecursionlimit()
    path = tmp_path / f"deep{SUFFIX.get(reader, '.json')}"
    path.write_text("[" * 200_000)
    with pytest.raises(YibaoError, match="nested too deeply"):
        READERS[reader](path)
    assert sys.getrecursionlimit() == limit


def test_loads_keeps_documents_of_real_depth_and_restores_the_limit() -> None:
    depth = 1_000
    doc = inputs.loads("[" * depth + "]" * depth)
    for _ in range(depth - 1):
        doc = doc[0]
    assert doc == []
    with pytest.raises(InputError, match=r"^f: not valid JSON: Expecting value at line 1 column 2$"):
        inputs.loads("[", "f")


def test_a_deep_file_is_one_error_line_in_a_fresh_cli_process(tmp_path: Path) -> None:
    """The crash was a segmentation fault of the whole process: run the CLI for real."""
    path = tmp_path / "deep.json"
    path.write_text("[" * 200_000)
    yibao = str(Path(sys.executable).with_name("yibao"))
    r = subprocess.run([yibao, "simulate", str(path)], capture_output=True, text=True, timeout=300, check=False)
    assert r.returncode == 2, (r.returncode, r.stderr[-500:])
    assert r.stderr.strip().splitlines() == ["error: not valid JSON: nested too deeply"]


def test_read_text_names_an_unreadable_path(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read"):
        inputs.read_text(tmp_path / "missing.csv")
    with pytest.raises(InputError, match="not a file name"):
        inputs.read_text("a\0b")
    assert inputs.read_text(_write(tmp_path / "ok.csv", "\ufeffa,b\n".encode())) == "a,b\n"


def _write(path: Path, raw: bytes) -> Path:
    path.write_bytes(raw)
    return path
