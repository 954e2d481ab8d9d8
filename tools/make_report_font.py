"""Build the report's font: a subset of Noto Sans CJK SC Regular, committed in the package.

Run by a developer (not by make) when the package's strings need a character the committed font
lacks (tests/demo/test_font.py says so):

    apt-get install -y fonts-noto-cjk      # or: apt-get download fonts-noto-cjk; dpkg-deb -x … DIR
    .venv/bin/python tools/make_report_font.py [--source NotoSansCJK-Regular.ttc] [--copyright FILE]

It writes python/yibao/demo/fonts/ReportSans-subset.woff2 and, next to it, OFL.txt (the font's
copyright line and the SIL Open Font License 1.1 text from the Debian package's copyright file).
The subset covers every CJK character of the package's Python sources plus a safety margin: the
3,755 hanzi of GB2312 level 1, GB2312's symbols row and its full-width forms. It keeps no layout
features (no vertical text, no locale variants: the report is horizontal Simplified Chinese) and
no hinting, and it is renamed "Yibao Report Sans" (a Modified Version under the OFL).

At render time :mod:`yibao.demo.font` subsets this file again, to the characters of the page.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTCollection, TTFont

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "python"))

from yibao.demo.font import FONT_FAMILY, FONT_PATH, is_cjk  # noqa: E402

NOTO = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
COPYRIGHT = Path("/usr/share/doc/fonts-noto-cjk/copyright")
SOURCE_FAMILY = "Noto Sans CJK SC"
POSTSCRIPT = "YibaoReportSans-Regular"


def gb2312_row(row: int) -> set[str]:
    """The characters of one row (区) of GB2312, 1–94."""
    out = set()
    for cell in range(1, 95):
        try:
            out.add(bytes([0xA0 + row, 0xA0 + cell]).decode("gb2312"))
        except UnicodeDecodeError:
            pass
    return out


def margin() -> set[str]:
    """GB2312's symbols (row 1), full-width forms (row 3) and level-1 hanzi (rows 16–55)."""
    chars = gb2312_row(1) | gb2312_row(3)
    for row in range(16, 56):
        chars |= gb2312_row(row)
    return {c for c in chars if is_cjk(c)}


def package_chars() -> set[str]:
    """Every CJK character of the package's Python sources."""
    text = "".join(p.read_text(encoding="utf-8") for p in sorted((ROOT / "python" / "yibao").rglob("*.py")))
    return {c for c in text if is_cjk(c)}


def open_sc(source: Path) -> TTFont:
    """The Simplified Chinese face of the Noto Sans CJK collection (or the single font ``source``)."""
    if source.suffix.lower() in (".ttc", ".otc"):
        for i, font in enumerate(TTCollection(source).fonts):
            if font["name"].getDebugName(1) == SOURCE_FAMILY:
                return TTFont(source, fontNumber=i, recalcTimestamp=False)
        raise SystemExit(f"{source}: no face named {SOURCE_FAMILY!r}")
    return TTFont(source, recalcTimestamp=False)


def rename(font: TTFont, version: str) -> None:
    """Name the subset "Yibao Report Sans" (OFL: a Modified Version), saying what it came from."""
    names = font["name"]
    described = f"Subset of {SOURCE_FAMILY} Regular {version} for yibao's report (tools/make_report_font.py)"
    for rec in list(names.names):
        if rec.nameID in (1, 16):
            names.setName(FONT_FAMILY, rec.nameID, rec.platformID, rec.platEncID, rec.langID)
        elif rec.nameID in (3, 6):
            names.setName(POSTSCRIPT, rec.nameID, rec.platformID, rec.platEncID, rec.langID)
        elif rec.nameID == 4:
            names.setName(f"{FONT_FAMILY} Regular", rec.nameID, rec.platformID, rec.platEncID, rec.langID)
    names.names = [r for r in names.names if r.nameID != 17 or r.toUnicode() == "Regular"]
    licence, url = names.getDebugName(13), names.getDebugName(14)
    for platform, encoding, lang in ((3, 1, 0x409), (1, 0, 0)):
        names.setName(described, 10, platform, encoding, lang)
        if licence and url:  # the licence travels with the font (OFL §2), in every platform's names
            names.setName(licence, 13, platform, encoding, lang)
            names.setName(url, 14, platform, encoding, lang)
    cff = font["CFF "].cff
    cff.fontNames = [POSTSCRIPT]
    top = cff.topDictIndex[0]
    top.FullName, top.FamilyName = f"{FONT_FAMILY} Regular", FONT_FAMILY


def licence_text(copyright_file: Path, font: TTFont) -> str:
    """The font's copyright line and the OFL 1.1 text of the Debian copyright file."""
    lines = copyright_file.read_text(encoding="utf-8").splitlines()
    heads = [i for i, ln in enumerate(lines[:-1]) if ln == "License: SIL-1.1" and lines[i + 1].startswith(" ")]
    start = heads[0] + 1
    body = []
    for line in lines[start:]:
        if line and not line.startswith(" "):
            break
        body.append("" if line.strip() == "." else line[1:])
    head = (
        f"{FONT_PATH.name}: a subset of {SOURCE_FAMILY} Regular, renamed {FONT_FAMILY!r}.\n"
        f"{(font['name'].getDebugName(0) or '').rstrip('.')}, with Reserved Font Name 'Source'.\n"
        "Noto is a trademark of Google Inc.\n\n"
    )
    return head + "\n".join(body).strip() + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--source", type=Path, default=NOTO, help="NotoSansCJK-Regular.ttc (or an SC .otf)")
    ap.add_argument("--copyright", type=Path, default=COPYRIGHT, help="fonts-noto-cjk's Debian copyright file")
    ap.add_argument("--out", type=Path, default=FONT_PATH)
    args = ap.parse_args()
    font = open_sc(args.source)
    version = font["name"].getDebugName(5) or ""
    wanted = margin() | package_chars()
    opts = subset.Options()
    opts.layout_features = []
    opts.hinting = False
    opts.desubroutinize = True
    opts.drop_tables += ["BASE", "VORG", "vhea", "vmtx"]
    sub = subset.Subsetter(opts)
    sub.populate(unicodes=sorted(ord(c) for c in wanted))
    sub.subset(font)
    cmap = font.getBestCmap()
    lacking = sorted(c for c in wanted if ord(c) not in cmap)
    rename(font, version)
    font.flavor = "woff2"
    args.out.parent.mkdir(parents=True, exist_ok=True)
    font.save(args.out)
    (args.out.parent / "OFL.txt").write_text(licence_text(args.copyright, font), encoding="utf-8")
    size, glyphs = args.out.stat().st_size, len(font.getGlyphOrder())
    print(f"{args.out}: {size:,} bytes, {len(cmap):,} characters, {glyphs:,} glyphs")
    if lacking:
        print(f"not in {SOURCE_FAMILY}: {''.join(lacking)}")


if __name__ == "__main__":
    main()
