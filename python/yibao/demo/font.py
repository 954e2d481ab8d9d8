"""The report's embedded font: Chinese renders on any machine, CJK fonts installed or not.

The package ships ``fonts/ReportSans-subset.woff2``, a subset of Noto Sans CJK SC Regular
(SIL Open Font License 1.1, ``fonts/OFL.txt``) built by ``tools/make_report_font.py``: every
CJK character of the package's sources and GB2312 level 1 as a margin. :func:`embed_font`
subsets it again, to the characters of one page, and hands back an ``@font-face`` rule with
the font as a base64 data URL, and the CJK characters of the page that the font lacks (none for
the demo's own strings: a test says so).

Only CJK characters are in the font; Latin text keeps the reader's own fonts.
"""

from __future__ import annotations

import base64
import functools
import io
from dataclasses import dataclass
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont

FONT_FAMILY = "Yibao Report Sans"
FONT_PATH = Path(__file__).resolve().parent / "fonts" / "ReportSans-subset.woff2"
#: The CSS font stack of the report: the embedded face first (it has only CJK glyphs), then the
#: reader's own fonts for everything else (and for CJK on a page that embeds no face).
FONT_STACK = (
    f"'{FONT_FAMILY}','Noto Sans CJK SC','Source Han Sans SC','Microsoft YaHei','PingFang SC',system-ui,sans-serif"
)

#: Unicode blocks counted as CJK: radicals, CJK symbols and punctuation, kana, bopomofo, enclosed
#: and compatibility forms, the unified ideographs with extension A, compatibility ideographs,
#: vertical and compatibility forms, half- and full-width forms, extensions B to G.
CJK_RANGES = (
    (0x2E80, 0x2FDF),
    (0x3000, 0x33FF),
    (0x3400, 0x4DBF),
    (0x4E00, 0x9FFF),
    (0xF900, 0xFAFF),
    (0xFE30, 0xFE4F),
    (0xFF00, 0xFFEF),
    (0x20000, 0x3134F),
)


def is_cjk(ch: str) -> bool:
    """Whether the character ``ch`` is in one of :data:`CJK_RANGES`."""
    o = ord(ch)
    return any(lo <= o <= hi for lo, hi in CJK_RANGES)


def cjk_chars(text: str) -> set[str]:
    """The distinct CJK characters of ``text``."""
    return {c for c in text if is_cjk(c)}


@functools.cache
def font_chars() -> frozenset[str]:
    """The characters the committed font has a glyph for."""
    font = TTFont(FONT_PATH, lazy=True)
    return frozenset(chr(u) for u in font.getBestCmap())


@dataclass(frozen=True)
class EmbeddedFont:
    """An ``@font-face`` rule (``css``, empty when the page needs no glyph of the font), the
    characters its font covers, and the page's CJK characters it lacks."""

    css: str
    chars: frozenset[str]
    missing: frozenset[str]


def subset_woff2(chars: frozenset[str]) -> bytes:
    """The committed font cut down to ``chars``, as WOFF2 (names and licence kept)."""
    font = TTFont(FONT_PATH, recalcTimestamp=False)
    opts = subset.Options()
    opts.layout_features = []
    opts.hinting = False
    opts.name_IDs = ["*"]  # the copyright and the licence travel with the font (OFL §2)
    sub = subset.Subsetter(opts)
    sub.populate(unicodes=sorted(ord(c) for c in chars))
    sub.subset(font)
    font.flavor = "woff2"
    buf = io.BytesIO()
    font.save(buf)
    return buf.getvalue()


def embed_font(text: str) -> EmbeddedFont:
    """The font face for a page of ``text``: the committed font subset to its characters."""
    have = font_chars()
    used = frozenset(text)
    chars = used & have
    missing = frozenset(c for c in used - have if is_cjk(c))
    if not chars:
        return EmbeddedFont("", chars, missing)
    data = base64.b64encode(subset_woff2(chars)).decode("ascii")
    css = (
        f"@font-face{{font-family:'{FONT_FAMILY}';font-style:normal;font-weight:400;font-display:block;"
        f"src:url(data:font/woff2;base64,{data}) format('woff2')}}"
    )
    return EmbeddedFont(css, chars, missing)


__all__ = [
    "CJK_RANGES",
    "FONT_FAMILY",
    "FONT_PATH",
    "FONT_STACK",
    "EmbeddedFont",
    "cjk_chars",
    "embed_font",
    "font_chars",
    "is_cjk",
    "subset_woff2",
]
