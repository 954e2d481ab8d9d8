"""Each rule of screening.md as SQL over hand-built rows: what fires and the boundaries that do
not, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt


from screenrows import IN, PH, Rows
from yibao.index import schema
from yibao.index.screen import screen
from yibao.model.screening import Rule, ScreeningParams
from yibao.model.types import ClaimStatus

REJECTED = ClaimStatus.REJECTED



class Unordered(list[object]):
    """A list equal to any list of the same items in any order (the order of leads is by claim
    ids, which are hashes here; test_screen.py checks it)."""

    def __eq__(self, other: object) -> bool:
        return isinstance(other, list) and sorted(map(repr, self)) == sorted(map(repr, other))

    __hash__ = None  # type: ignore[assignment]


def _found(rows: Rows, rule: Rule, **params: int) -> Unordered:
    return Unordered(rows.named(screen(rows.conn, ScreeningParams(rules=(rule,), **params))))  # type: ignore[arg-type]


def _claims(rows: Rows, rule: Rule, **params: int) -> Unordered:
    return Unordered(x[4] for x in _found(rows, rule, **params))  # type: ignore[index]


def test_readmit(rows: Rows) -> None:
    rows.institution("H1")
    rows.institution("H2")
    for p in ("p1", "p2", "p3", "p4", "p5", "p6", "p7", "p8"):
        rows.person(p)
    rows.claim("a1", "H1", "p1", 0, visit=IN, discharge=5)
    rows.claim("a2", "H1", "p1", 5, visit=IN, discharge=8)  # gap 0, same institution: HIGH
    rows.claim("b1", "H1", "p2", 0, visit=IN, discharge=5)
    rows.claim("b2", "H2", "p2", 5, visit=IN, discharge=8)  # gap 0 elsewhere: a transfer
    rows.claim("c1", "H1", "p3", 0, visit=IN, discharge=5)
    rows.claim("c2", "H1", "p3", 20, visit=IN, discharge=22)  # gap 15 = readmit_days
    rows.claim("d1", "H1", "p4", 0, visit=IN, discharge=5)
    rows.claim("d2", "H1", "p4", 21, visit=IN, discharge=23)  # gap 16
    rows.claim("e1", "H1", "p5", 0, visit=IN, discharge=5)
    rows.claim("e2", "H2", "p5", 6, visit=IN, discharge=9)  # gap 1 elsewhere: MEDIUM, H2
    rows.claim("f1", "H1", "p6", 0, visit=IN, discharge=5)  # consecutive pairs only
    rows.claim("f2", "H1", "p6", 10, visit=IN, discharge=12)
    rows.claim("f3", "H1", "p6", 14, visit=IN, discharge=15)
    rows.claim("g1", "H1", "p7", 0, visit=IN, discharge=5)
    rows.claim("g2", "H1", "p7", 7, visit=IN, discharge=8, status=REJECTED)  # not live: skipped
    rows.claim("g3", "H1", "p7", 12, visit=IN, discharge=13)
    rows.claim("g4", "H1", "p7", 2, fund=5)  # an outpatient visit is no stay
    # tie-break: same admission and discharge, ordered by label ("zz" after "aa"), then the next stay
    rows.claim("h1", "H1", "p8", 0, visit=IN, discharge=3, label="zz")
    rows.claim("h2", "H1", "p8", 0, visit=IN, discharge=3, label="aa")
    rows.claim("h3", "H1", "p8", 10, visit=IN, discharge=12, label="mm")
    assert _found(rows, Rule.READMIT) == [
        ("READMIT", "HIGH", "H1", "p1", ("a1", "a2")),
        ("READMIT", "HIGH", "H1", "p3", ("c1", "c2")),
        ("READMIT", "MEDIUM", "H2", "p5", ("e1", "e2")),
        ("READMIT", "HIGH", "H1", "p6", ("f1", "f2")),
        ("READMIT", "HIGH", "H1", "p6", ("f2", "f3")),
        ("READMIT", "HIGH", "H1", "p7", ("g1", "g3")),
        ("READMIT", "HIGH", "H1", "p8", ("h1", "h3")),
    ]
    assert _claims(rows, Rule.READMIT, readmit_days=4) == [("a1", "a2"), ("e1", "e2"), ("f2", "f3")]


def test_overlap_stay(rows: Rows) -> None:
    for h in ("H1", "H2"):
        rows.institution(h)
    for p in ("q1", "q2", "q3", "q4", "q5"):
        rows.person(p)
    rows.claim("a1", "H1", "q1", 0, visit=IN, discharge=10)
    rows.claim("a2", "H2", "q1", 5, visit=IN, discharge=7)
    rows.claim("b1", "H1", "q2", 0, visit=IN, discharge=5)
    rows.claim("b2", "H2", "q2", 5, visit=IN, discharge=9)  # discharge and admission on one day
    rows.claim("c1", "H1", "q3", 0, visit=IN, discharge=10)
    rows.claim("c2", "H1", "q3", 5, visit=IN, discharge=7)  # same institution
    rows.claim("d1", "H1", "q4", 0, visit=IN, discharge=5)
    rows.claim("d2", "H2", "q4", 4, visit=IN, discharge=9)  # one day of overlap
    rows.claim("e1", "H1", "q5", 0, visit=IN, discharge=10)
    rows.claim("e2", "H2", "q5", 5, visit=IN, discharge=7, status=REJECTED)
    assert _found(rows, Rule.OVERLAP_STAY) == [
        ("OVERLAP_STAY", "HIGH", None, "q1", ("a1", "a2")),
        ("OVERLAP_STAY", "HIGH", None, "q4", ("d1", "d2")),
    ]


def test_ghost_bed(rows: Rows) -> None:
    for h in ("H1", "H2"):
        rows.institution(h)
    rows.person("g")
    rows.claim("stay", "H1", "g", 0, visit=IN, discharge=10)
    rows.claim("v0", "H2", "g", 0)  # on the admission day: not strictly inside
    rows.claim("v1", "H2", "g", 1)
    rows.claim("v9", "H2", "g", 9, visit=PH)
    rows.claim("v10", "H2", "g", 10)  # on the discharge day
    rows.claim("same", "H1", "g", 5)  # at the stay's own institution
    rows.claim("dead", "H2", "g", 6, status=REJECTED)
    rows.claim("stay2", "H2", "g", 3, visit=IN, discharge=4, status=REJECTED)  # a stay is no visit
    assert _found(rows, Rule.GHOST_BED) == [
        ("GHOST_BED", "MEDIUM", "H1", "g", ("stay", "v1")),
        ("GHOST_BED", "MEDIUM", "H1", "g", ("stay", "v9")),
    ]


def test_same_day_multi(rows: Rows) -> None:
    for h in ("H1", "H2", "H3"):
        rows.institution(h)
    for p in ("r1", "r2", "r3"):
        rows.person(p)
    rows.claim("a1", "H1", "r1", 0)
    rows.claim("a2", "H2", "r1", 0)  # 2 institutions
    rows.claim("b1", "H1", "r2", 0)
    rows.claim("b2", "H2", "r2", 0, visit=PH)
    rows.claim("b3", "H3", "r2", 0)
    rows.claim("b4", "H1", "r2", 0, lines=(("Y", 1),))  # a second claim at H1 that day
    rows.claim("b5", "H2", "r2", 1)  # another day
    rows.claim("c1", "H1", "r3", 0)
    rows.claim("c2", "H2", "r3", 0)
    rows.claim("c3", "H3", "r3", 0, visit=IN, discharge=3)  # a stay is not counted
    rows.claim("c4", "H3", "r3", 0, status=REJECTED)
    assert _found(rows, Rule.SAME_DAY_MULTI) == [
        ("SAME_DAY_MULTI", "MEDIUM", None, "r2", ("b1", "b2", "b3", "b4"))]
    assert _claims(rows, Rule.SAME_DAY_MULTI, same_day_institutions=2) == [
        ("a1", "a2"), ("b1", "b2", "b3", "b4"), ("c1", "c2")]


def test_impossible_travel(rows: Rows) -> None:
    rows.institution("HOME", 500100)
    rows.institution("NEAR", 500200)  # same province (50)
    rows.institution("FAR", 510100)  # province 51
    for p in ("t1", "t2", "t3", "t4", "t5", "t6"):
        rows.person(p, 500100)
    rows.person("t7", 110100)
    rows.person("t8", 110100)
    pairs = {"t1": "FAR", "t2": "FAR", "t3": "FAR", "t4": "FAR", "t5": "NEAR", "t6": "FAR"}
    for p, far in pairs.items():
        rows.claim(f"{p}h", "HOME", p, 10)
        rows.claim(f"{p}f", far, p, 10)
    rows.claim("t1x", "HOME", "t1", 10, visit=IN, discharge=12)  # every claim of that day
    rows.claim("t1r", "FAR", "t1", 10, status=REJECTED)
    rows.filing("t2", 510100, 5, 10)  # covers the day
    rows.filing("t3", 510100, 5, 20)
    rows.filing("t3", 510100, 5, 20, removed=True)  # cancelled: covered nothing
    rows.filing("t4", 510100, 5, 20)
    rows.filing("t4", 510100, 5, 20, removed=True, expired=True)  # expired: it covered its days
    rows.filing("t6", 510100, 0, 9)  # ended the day before
    for p in ("t7", "t8"):  # both claims outside the home region
        rows.claim(f"{p}a", "HOME", p, 10)
        rows.claim(f"{p}b", "FAR", p, 10)
        rows.filing(p, 500100, 0, 30)
    rows.filing("t8", 510100, 0, 30)
    assert _found(rows, Rule.IMPOSSIBLE_TRAVEL) == [
        ("IMPOSSIBLE_TRAVEL", "MEDIUM", None, "t1", ("t1f", "t1h", "t1x")),
        ("IMPOSSIBLE_TRAVEL", "MEDIUM", None, "t3", ("t3f", "t3h")),
        ("IMPOSSIBLE_TRAVEL", "MEDIUM", None, "t6", ("t6f", "t6h")),
        ("IMPOSSIBLE_TRAVEL", "MEDIUM", None, "t7", ("t7a", "t7b")),
    ]


def test_dup_billing(rows: Rows) -> None:
    for h in ("H1", "H2"):
        rows.institution(h)
    for p in ("u1", "u2", "u3", "u4"):
        rows.person(p)
    rows.claim("a1", "H1", "u1", 0, lines=(("X", 1), ("Y", 1)))
    rows.claim("a2", "H1", "u1", 0, lines=(("Y", 2), ("X", 1)))  # two shared codes: one lead
    rows.claim("b1", "H1", "u2", 0, lines=(("X", 1),))
    rows.claim("b2", "H1", "u2", 0, lines=(("X", 1), ("Y", 1)))
    rows.claim("b3", "H1", "u2", 0, lines=(("Y", 1),))  # {b1, b2} by X, {b2, b3} by Y
    rows.claim("c1", "H1", "u3", 0)
    rows.claim("c2", "H2", "u3", 0)  # another institution
    rows.claim("c3", "H1", "u3", 1)  # another day
    rows.claim("d1", "H1", "u4", 0)
    rows.claim("d2", "H1", "u4", 0, status=REJECTED)
    assert _found(rows, Rule.DUP_BILLING) == [
        ("DUP_BILLING", "HIGH", "H1", "u1", ("a1", "a2")),
        ("DUP_BILLING", "HIGH", "H1", "u2", ("b1", "b2")),
        ("DUP_BILLING", "HIGH", "H1", "u2", ("b2", "b3")),
    ]


def test_over_supply(rows: Rows) -> None:
    rows.institution("H1", 500100)
    rows.institution("FAR", 510100)
    for p in ("v1", "v2", "v3", "v4", "v5", "v6", "v7"):
        rows.person(p, 500100)
    rows.item(500100, "M", 2)  # 3 × 2 = 6 a month
    rows.item(510100, "M", 100)
    rows.item(510100, "N", 1)  # limited elsewhere only
    rows.item(500100, "N", 0)
    rows.item(500100, "R", 1)
    rows.item(500100, "R", 10)  # the catalogue as it stands: its last row
    rows.item(500100, "Z", 1)
    rows.item(500100, "Z", removed=True)
    jan31, feb1 = dt.date(2026, 1, 31), dt.date(2026, 2, 1)
    rows.claim("a1", "H1", "v1", jan31, lines=(("M", 4),))
    rows.claim("a2", "H1", "v1", jan31, lines=(("M", 2),))  # exactly 6
    rows.claim("b1", "H1", "v2", jan31, lines=(("M", 4),))
    rows.claim("b2", "FAR", "v2", dt.date(2026, 1, 2), lines=(("M", 3),))  # 7, across regions, home's limit
    rows.claim("c1", "H1", "v3", jan31, lines=(("M", 4),))
    rows.claim("c2", "H1", "v3", feb1, lines=(("M", 3),))  # another month
    rows.claim("d1", "FAR", "v4", feb1, lines=(("N", 5),))
    rows.claim("e1", "H1", "v5", feb1, lines=(("R", 7),))
    rows.claim("f1", "H1", "v6", feb1, lines=(("Z", 7),))
    rows.claim("g1", "H1", "v7", feb1, lines=(("M", 6),))
    rows.claim("g2", "H1", "v7", feb1, lines=(("M", 6),), status=REJECTED)
    rows.claim("g3", "H1", "v7", feb1, lines=(("M", 1), ("X", 1)))  # 7: fires with g1, g3
    assert _found(rows, Rule.OVER_SUPPLY) == [
        ("OVER_SUPPLY", "MEDIUM", None, "v2", ("b1", "b2")),
        ("OVER_SUPPLY", "MEDIUM", None, "v7", ("g1", "g3")),
    ]
    assert _claims(rows, Rule.OVER_SUPPLY, over_supply_factor=1) == [
        ("a1", "a2"), ("b1", "b2"), ("c1",), ("c2",), ("g1", "g3")]


def test_restricted_item(rows: Rows) -> None:
    rows.institution("H3", 500100, 3)
    rows.institution("H2", 500100, 2)
    rows.institution("FAR", 510100, 1)
    rows.restriction(500100, "F1", sex="F")
    rows.restriction(500100, "A1", min_age=18, max_age=60)
    rows.restriction(500100, "L1", min_level=3)
    rows.person("man", sex="M", birth=dt.date(1980, 1, 1))
    rows.person("woman", sex="F", birth=dt.date(1980, 1, 1))
    rows.person("nobody")  # no attributes
    rows.person("young", birth=dt.date(2000, 3, 15))
    rows.person("old", birth=dt.date(1960, 3, 15))
    rows.person("leap", birth=dt.date(2000, 2, 29))
    rows.claim("m1", "H3", "man", 0, lines=(("F1", 1), ("X", 1)))
    rows.claim("w1", "H3", "woman", 0, lines=(("F1", 1),))
    rows.claim("n1", "H3", "nobody", 0, lines=(("F1", 1), ("A1", 1)))
    rows.claim("y17", "H3", "young", dt.date(2018, 3, 14), lines=(("A1", 1),))
    rows.claim("y18", "H3", "young", dt.date(2018, 3, 15), lines=(("A1", 1),))
    rows.claim("o60", "H3", "old", dt.date(2021, 3, 14), lines=(("A1", 1),))
    rows.claim("o61", "H3", "old", dt.date(2021, 3, 15), lines=(("A1", 1),))
    rows.claim("l17", "H3", "leap", dt.date(2018, 2, 28), lines=(("A1", 1),))
    rows.claim("l18", "H3", "leap", dt.date(2018, 3, 1), lines=(("A1", 1),))
    rows.claim("lv2", "H2", "nobody", 0, lines=(("L1", 1),))
    rows.claim("lv3", "H3", "nobody", 0, lines=(("L1", 1),))
    rows.claim("both", "H2", "man", 0, lines=(("F1", 1), ("L1", 1)))
    rows.claim("far", "FAR", "man", 0, lines=(("F1", 1), ("L1", 1)))  # the treating region restricts nothing
    rows.claim("dead", "H2", "man", 0, lines=(("L1", 1),), status=REJECTED)
    assert _found(rows, Rule.RESTRICTED_ITEM) == [
        ("RESTRICTED_ITEM", "MEDIUM", "H3", "man", ("m1",)),
        ("RESTRICTED_ITEM", "MEDIUM", "H3", "young", ("y17",)),
        ("RESTRICTED_ITEM", "MEDIUM", "H3", "old", ("o61",)),
        ("RESTRICTED_ITEM", "MEDIUM", "H3", "leap", ("l17",)),
        ("RESTRICTED_ITEM", "HIGH", "H2", "nobody", ("lv2",)),
        ("RESTRICTED_ITEM", "HIGH", "H2", "man", ("both",)),
    ]


def _month(rows: Rows, inst: str, person: str, month: int, funds: list[int], **kw: object) -> None:
    for k, fund in enumerate(funds):
        rows.claim(f"{inst}-{month}-{k}", inst, person, dt.date(2026 + month // 12, 1 + month % 12, 1 + k),
                   fund=fund, **kw)  # type: ignore[arg-type]


def test_surge(rows: Rows) -> None:
    rows.person("pp")
    for h in ("S", "T", "U", "V", "W", "X", "Y"):
        rows.institution(h)
    for m in range(3):
        _month(rows, "S", "pp", m, [30_000])
    _month(rows, "S", "pp", 3, [60_000, 40_000])  # baseline 30,000, m = 100,000: red
    rows.claim("S-dead", "S", "pp", dt.date(2026, 4, 9), fund=1_000_000, status=REJECTED)
    for m in (1, 2):
        _month(rows, "T", "pp", m, [30_000])
    _month(rows, "T", "pp", 3, [500_000])  # no claims in month t−3 or earlier
    for m in range(3):
        _month(rows, "U", "pp", m, [60_000])
    _month(rows, "U", "pp", 3, [100_000])  # above yellow (×1.5), not above red (×2)
    for m in range(3):
        _month(rows, "V", "pp", m, [1_000])
    _month(rows, "V", "pp", 3, [99_999])  # below surge_min_fund
    for m in range(3):
        _month(rows, "W", "pp", m, [80_000])
    _month(rows, "W", "pp", 3, [120_000])  # exactly yellow: not above it
    _month(rows, "X", "pp", 0, [100_000])
    _month(rows, "X", "pp", 1, [50_000])
    _month(rows, "X", "pp", 2, [50_000])
    _month(rows, "X", "pp", 3, [100_000])  # baseline ⌊200,000 / 3⌋ = 66,666: yellow by the floor
    _month(rows, "Y", "pp", 0, [300_000])  # months 1 and 2 count 0: baseline 100,000
    _month(rows, "Y", "pp", 3, [150_001])
    _month(rows, "Y", "pp", 5, [900_000], status=REJECTED)  # not live: no month 5
    found = _found(rows, Rule.SURGE)
    assert found == [
        ("SURGE", "HIGH", "S", None, ("S-3-0", "S-3-1")),
        ("SURGE", "MEDIUM", "U", None, ("U-3-0",)),
        ("SURGE", "MEDIUM", "X", None, ("X-3-0",)),
        ("SURGE", "MEDIUM", "Y", None, ("Y-3-0",)),
    ]


def test_amounts_and_since(rows: Rows) -> None:
    rows.institution("H1")
    rows.person("p")
    rows.claim("a1", "H1", "p", 0, visit=IN, discharge=5, fund=700)
    rows.claim("a2", "H1", "p", 30, visit=IN, discharge=31, fund=300)  # READMIT? gap 25: no
    rows.claim("a3", "H1", "p", 33, visit=IN, discharge=34, fund=50)
    leads = screen(rows.conn, ScreeningParams())
    assert [(str(x.rule), x.amount) for x in leads] == [("READMIT", 350)]
    from screenrows import day_of

    assert screen(rows.conn, ScreeningParams(), since_day=day_of(33)) == leads
    assert screen(rows.conn, ScreeningParams(), since_day=day_of(34)) == []


def test_nothing_on_an_empty_index(rows: Rows) -> None:
    assert screen(rows.conn) == []


def test_patient_dispute(rows: Rows) -> None:
    """One HIGH lead per live claim its patient disputed (2 NOT_RECEIVED, 3 NOT_AS_BILLED), of
    the claim's institution and person; CONFIRMED, no feedback, a claim no longer live and an
    EMERGENCY_ACCESS alert about a person (no claim) set off nothing."""
    rows.institution("H1")
    rows.institution("H2")
    rows.person("pat")
    rows.person("other")
    rows.claim("nr", "H1", "pat", 0)
    rows.claim("nab", "H2", "pat", 0, status=ClaimStatus.SETTLED)
    rows.claim("fl", "H1", "pat", 1, status=ClaimStatus.FLAGGED)
    rows.claim("ok", "H1", "pat", 0)
    rows.claim("quiet", "H1", "other", 0)
    for name, status in (("rej", REJECTED), ("app", ClaimStatus.APPEALED), ("cb", ClaimStatus.CLAWED_BACK)):
        rows.claim(name, "H1", "pat", 2, status=status)
        rows.feedback(name, 2)
    rows.feedback("nr", 2)
    rows.feedback("nab", 3)
    rows.feedback("fl", 3)
    rows.feedback("ok", 1)
    rows.conn.execute(schema.alerts.insert(), [{"claim_id": None, "kind": 7, "institution": rows.ids["H1"],
                                                "person": rows.ids["other"], "block": 99, "log_index": 0}])
    assert _found(rows, Rule.PATIENT_DISPUTE) == Unordered([
        ("PATIENT_DISPUTE", "HIGH", "H1", "pat", ("nr",)), ("PATIENT_DISPUTE", "HIGH", "H2", "pat", ("nab",)),
        ("PATIENT_DISPUTE", "HIGH", "H1", "pat", ("fl",))])
    everything = rows.named(screen(rows.conn))
    assert [x for x in everything if x[0] == "PATIENT_DISPUTE"] == _found(rows, Rule.PATIENT_DISPUTE)
