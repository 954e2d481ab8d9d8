"""The report's embedded font and its labels, without playing a demo: the committed font covers
every CJK character the demo's strings can produce, a page's font is cut down to that page and
says what it lacks, and every code the report shows has a name in Chinese and English."""

from __future__ import annotations

import base64
import io
import re
from pathlib import Path

from fontTools.ttLib import TTFont

import yibao.demo as demo_package
from yibao.demo.catalogue import item_names
from yibao.demo.font import FONT_FAMILY, FONT_PATH, cjk_chars, embed_font, font_chars, is_cjk
from yibao.demo.labels import (
    ALERT_LABELS,
    FLAG_LABELS,
    INSTITUTION_STATUS_LABELS,
    NOTE_LABELS,
    REASON_LABELS,
    SCHEME_LABELS,
    SEVERITIES,
    STATUS_LABELS,
    code_label,
    labels_doc,
)
from yibao.demo.world import INSTITUTIONS
from yibao.demo.world_rules import REGION_SHORT, REGIONS
from yibao.model.types import FLAG_ORDER, NOTE_ORDER, AlertKind, ClaimStatus, InstitutionStatus, Reason, Scheme

DEMO_DIR = Path(demo_package.__file__).parent
DATA_URL = re.compile(r"url\(data:font/woff2;base64,([A-Za-z0-9+/=]+)\)")


def embedded(css: str) -> TTFont:
    m = DATA_URL.search(css)
    assert m, css[:200]
    return TTFont(io.BytesIO(base64.b64decode(m.group(1))))


def test_the_committed_font_is_the_subset_with_its_licence() -> None:
    assert FONT_PATH.is_file() and (FONT_PATH.parent / "OFL.txt").is_file()
    assert FONT_PATH.stat().st_size < 800_000  # a subset, not the whole Noto Sans CJK (16 MB)
    font = TTFont(FONT_PATH)
    assert font.flavor == "woff2"
    assert font["name"].getDebugName(1) == FONT_FAMILY
    assert "Open Font License" in (FONT_PATH.parent / "OFL.txt").read_text(encoding="utf-8")
    have = font_chars()
    assert len(have) > 3_755  # GB2312 level 1 and the package's own characters
    assert all(is_cjk(c) for c in have)  # Latin text keeps the reader's fonts


def test_every_cjk_character_of_the_demo_sources_is_in_the_font() -> None:
    """A string of the demo (labels, headings, names) with a character the font lacks fails here:
    run tools/make_report_font.py to rebuild the font."""
    missing = {}
    for path in sorted(DEMO_DIR.rglob("*.py")):
        lacking = cjk_chars(path.read_text(encoding="utf-8")) - font_chars()
        if lacking:
            missing[path.name] = "".join(sorted(lacking))
    assert missing == {}


def test_the_names_the_demo_generates_are_in_the_font() -> None:
    names = [s.name for s in INSTITUTIONS] + [s.note for s in INSTITUTIONS]
    names += list(REGIONS.values()) + list(REGION_SHORT.values())
    names += list(item_names().values())
    text = "".join(names)
    assert len(cjk_chars(text)) > 200
    assert cjk_chars(text) - font_chars() == set()


def test_a_page_gets_exactly_its_characters_and_hears_what_is_missing() -> None:
    text = "重庆 500000 and 广州 — 预警 龘 ✓ abc"
    font = embed_font(text)
    assert font.missing == {"龘"}  # a CJK character the font lacks is reported
    assert font.chars == {"重", "庆", "广", "州", "预", "警"}
    face = embedded(font.css)
    assert {chr(u) for u in face.getBestCmap()} == font.chars
    assert f"font-family:'{FONT_FAMILY}'" in font.css
    assert embed_font("ASCII only").css == ""
    assert embed_font(text).css == font.css  # the same page, the same bytes


def test_every_code_has_a_label_in_both_languages() -> None:
    tables = [(ALERT_LABELS, list(AlertKind)), (REASON_LABELS, list(Reason)), (STATUS_LABELS, list(ClaimStatus)),
              (FLAG_LABELS, list(FLAG_ORDER)), (NOTE_LABELS, list(NOTE_ORDER)), (SCHEME_LABELS, list(Scheme)),
              (INSTITUTION_STATUS_LABELS, list(InstitutionStatus))]
    for table, members in tables:
        assert set(table) == set(members)
        for label in table.values():
            assert cjk_chars(label.zh) and label.en and not cjk_chars(label.en)
    assert {a.severity for a in ALERT_LABELS.values()} <= set(SEVERITIES)
    assert ALERT_LABELS[AlertKind.INSTITUTION_GRADE].severity == "low"
    assert {ALERT_LABELS[k].severity for k in (AlertKind.DUPLICATE, AlertKind.OVERCLAIM)} == {"high"}
    assert code_label(REASON_LABELS, "OVERCLAIM") == "OVERCLAIM 超额申报 overclaim"
    assert code_label(REASON_LABELS, "NO_SUCH_CODE") == "NO_SUCH_CODE"
    doc = labels_doc()
    assert doc["alerts"]["INSTITUTION_GRADE"]["severity"] == "low"
    assert set(doc["reasons"]) == {r.name for r in Reason}
