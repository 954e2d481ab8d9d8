"""The names file (yibao.names): names of one deployment, checked, written atomically."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from yibao.errors import InputError
from yibao.names import FILE_NAME, NAME_MAX, Names, check_name

LEDGER = "0x" + "ab" * 20
OTHER = "0x" + "cd" * 20
INST = "0x" + "12" * 20


def test_names_round_trip_next_to_the_manifest(tmp_path: Path) -> None:
    names = Names.beside(tmp_path / "manifest.json", LEDGER)
    assert names.path == tmp_path / FILE_NAME and names.institution(INST) is None
    names.set_institution(INST.lower(), " 重庆市第一人民医院 ")
    names.set_items({(500000, "XA01"): "阿莫西林胶囊", (440100, "XA01"): "Amoxicillin"})
    names.save()
    assert stat.S_IMODE(os.stat(names.path).st_mode) == 0o600
    again = Names.beside(tmp_path / "manifest.json", LEDGER)
    assert again.institution(INST.upper().replace("0X", "0x")) == "重庆市第一人民医院"
    assert (again.item(500000, "XA01"), again.item(440100, "XA01"), again.item(500000, "XB01")) == (
        "阿莫西林胶囊", "Amoxicillin", None)
    again.drop_items(500000, ["XA01", "XZ99"])
    again.save()
    doc = json.loads(names.path.read_text())
    assert doc["items"] == {"440100": {"XA01": "Amoxicillin"}} and doc["ledger"].lower() == LEDGER
    assert [p.name for p in tmp_path.iterdir()] == [FILE_NAME]  # no temporary file left behind


def test_another_deployments_names_are_not_shown(tmp_path: Path) -> None:
    names = Names(tmp_path / FILE_NAME, LEDGER)
    names.set_institution(INST, "A")
    names.save()
    other = Names(tmp_path / FILE_NAME, OTHER)
    assert other.institution(INST) is None
    other.set_institution(INST, "B")
    other.save()
    assert Names(tmp_path / FILE_NAME, OTHER).institution(INST) == "B"
    assert Names(tmp_path / FILE_NAME, LEDGER).institution(INST) is None


@pytest.mark.parametrize("bad", ["", "   ", "a\nb", "tab\there", "x" * (NAME_MAX + 1), "\x00"])
def test_bad_names_are_refused(bad: str) -> None:
    with pytest.raises(InputError):
        check_name(bad)


@pytest.mark.parametrize("doc", [[1], {"ledger": LEDGER, "institutions": []},
                                 {"ledger": LEDGER, "institutions": {"0x12": "A"}},
                                 {"ledger": LEDGER, "items": {"abc": {}}},
                                 {"ledger": LEDGER, "institutions": {INST: ""}}])
def test_a_malformed_file_is_one_input_error(tmp_path: Path, doc: object) -> None:
    path = tmp_path / FILE_NAME
    path.write_text(json.dumps(doc))
    with pytest.raises(InputError, match=str(path)):
        Names(path, LEDGER)
