"""A random but consistent world written straight into the index's tables, for tests and benchmarks.

:func:`generate` fills regions, institutions, people (with off-chain attributes), filings
(some cancelled, some expired), the catalogue (limits, later changes, removals), item
restrictions, and claims with their lines: random traffic plus planted patterns of every
screening rule. Rows go in bulk (``executemany`` in chunks on SQLite, ``COPY`` on PostgreSQL),
fast enough for a million claims. :func:`time_screen` is the benchmark of ``yibao bench
--screen``: screening time per number of claims on one database URL.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Table, create_engine, text

from yibao.index import schema
from yibao.model.types import ClaimStatus, VisitType
from yibao.units import from_day, to_day

REGIONS: tuple[int, ...] = (500100, 500200, 510100, 110100, 440100)
"""The regions of the world: five, in four provinces (50, 51, 11, 44)."""

CODES = 200
START_DAY = to_day(dt.date(2025, 1, 1))
DAYS = 540
_STATUSES = ((ClaimStatus.APPROVED, 70), (ClaimStatus.FLAGGED, 5), (ClaimStatus.SETTLED, 15),
             (ClaimStatus.REJECTED, 5), (ClaimStatus.APPEALED, 3), (ClaimStatus.CLAWED_BACK, 2))
_CLAIM_COLUMNS = tuple(c.name for c in schema.claims.columns)
_LINE_COLUMNS = tuple(c.name for c in schema.claim_lines.columns)


def _hex(seed: int, kind: str, n: int) -> str:
    return "0x" + hashlib.sha256(f"{seed}:{kind}:{n}".encode()).hexdigest()


def code_of(n: int) -> str:
    """The item code number ``n`` of every region's catalogue."""
    return f"C{n:04d}"


@dataclass
class World:
    """What :func:`generate` wrote (for planting and for tests)."""

    seed: int
    rng: random.Random
    institutions: list[tuple[str, int, int]] = field(default_factory=list)  # account, region, level
    people: list[tuple[str, int]] = field(default_factory=list)  # pseudonym, home region
    by_region: dict[int, list[int]] = field(default_factory=dict)  # region → institution indexes
    limited: dict[int, list[tuple[str, int]]] = field(default_factory=dict)  # region → (code, max_qty)
    restricted: dict[int, list[str]] = field(default_factory=dict)  # region → codes with min_level 3
    claims: list[tuple[Any, ...]] = field(default_factory=list)
    lines: list[tuple[Any, ...]] = field(default_factory=list)
    planted: dict[str, int] = field(default_factory=dict)
    feedback: list[tuple[Any, ...]] = field(default_factory=list)  # claim_feedback rows
    serial: int = 0
    _dates: dict[int, tuple[int, int, int]] = field(default_factory=dict)

    def claim(self, person: int, inst: int, visit: VisitType, day: int, discharge: int | None, fund: int,
              lines: Sequence[tuple[str, int]], status: ClaimStatus = ClaimStatus.APPROVED) -> str:
        """Add one claim (and its lines); its id."""
        self.serial += 1
        cid = _hex(self.seed, "claim", self.serial)
        month, year, mmdd = self._dates.get(day) or self._date(day)
        self.claims.append((
            cid, self.institutions[inst][0], self.people[person][0], None, f"c{self.serial:07d}", int(visit),
            day, discharge, month, year, mmdd, None, fund, int(status), 0, 0, fund * 2, fund * 2, 0, fund,
            int(status), 0, fund, 0, self.serial // 100, self.serial % 100, cid))
        for n, (code, qty) in enumerate(lines):
            self.lines.append((cid, n, code, qty, 1000, 1000 * qty, 1000 * qty, 0))
        return cid

    def _date(self, day: int) -> tuple[int, int, int]:
        d = from_day(day)
        self._dates[day] = (d.year * 12 + d.month - 1, d.year, d.month * 100 + d.day)
        return self._dates[day]


def _bulk(conn: Connection, table: Table, columns: Sequence[str], rows: Iterable[Sequence[Any]],
          chunk: int = 50_000) -> None:
    """Insert ``rows`` (tuples in ``columns`` order): COPY on PostgreSQL, else executemany."""
    raw: Any = conn.connection.dbapi_connection
    cols = ", ".join(columns)
    if conn.dialect.name == "postgresql":
        with raw.cursor() as cur, cur.copy(f"COPY {table.name} ({cols}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    sql = f"INSERT INTO {table.name} ({cols}) VALUES ({', '.join('?' * len(columns))})"
    cur = raw.cursor()
    batch: list[Sequence[Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= chunk:
            cur.executemany(sql, batch)
            batch = []
    if batch:
        cur.executemany(sql, batch)
    cur.close()


def _registry(conn: Connection, world: World, institutions: int, people: int) -> None:
    rng = world.rng
    _bulk(conn, schema.regions, ("code", "name", "opening", "block"),
          [(r, f"region {r}", 10**12, 1) for r in REGIONS])
    for n in range(institutions):
        region = REGIONS[n % len(REGIONS)]
        world.institutions.append(("0x" + _hex(world.seed, "inst", n)[2:42], region, 1 + n % 3))
        world.by_region.setdefault(region, []).append(n)
    _bulk(conn, schema.institutions, ("account", "idx", "region", "level", "grade", "block"),
          [(a, n, r, lv, 1, 1) for n, (a, r, lv) in enumerate(world.institutions)])
    for n in range(people):
        world.people.append((_hex(world.seed, "person", n), REGIONS[min(int(rng.expovariate(1.2)), 4)]))
    _bulk(conn, schema.people, ("pseudonym", "idx", "region", "scheme", "coverage_from_day", "coverage_to_day",
                                "block"),
          [(p, n, r, 0, START_DAY - 400, START_DAY + 2000, 1) for n, (p, r) in enumerate(world.people)])
    attrs = []
    for p, _ in world.people:
        if rng.random() < 0.05:
            continue  # no attributes at all
        sex = rng.choice("MF") if rng.random() < 0.95 else None
        birth = START_DAY - rng.randrange(0, 90 * 365) if rng.random() < 0.95 else None
        d = from_day(birth) if birth is not None else None
        attrs.append((p, sex, birth, d.year if d else None, d.month * 100 + d.day if d else None))
    _bulk(conn, schema.person_attributes, ("pseudonym", "sex", "birth_day", "birth_year", "birth_mmdd"), attrs)


def _filings(conn: Connection, world: World) -> None:
    """Filings of 5% of the people for another region: most stand, some were cancelled, some
    expired (an expired filing still covered its days)."""
    rng, rows = world.rng, []
    block = 2
    for p, home in world.people:
        if rng.random() >= 0.05:
            continue
        region = rng.choice([r for r in REGIONS if r != home])
        lo = START_DAY + rng.randrange(DAYS)
        hi = lo + rng.randrange(10, 200)
        block += 1
        rows.append((p, region, lo, hi, False, False, block, 0))
        fate = rng.random()
        if fate < 0.3:
            rows.append((p, region, lo, hi, True, fate < 0.15, block + 1, 0))
    _bulk(conn, schema.filings, ("pseudonym", "region", "from_day", "to_day", "removed", "expired", "block",
                                 "log_index"), rows)


def _catalogue(conn: Connection, world: World) -> None:
    """Every region lists every code; 30% carry a ``max_qty`` (some changed later, a few removed
    at the end); a few codes of each region are restricted by sex, age or level."""
    rng = world.rng
    rows: list[tuple[Any, ...]] = []
    restrictions: list[tuple[Any, ...]] = []
    for region in REGIONS:
        world.limited[region], world.restricted[region] = [], []
        for n in range(CODES):
            code = code_of(n)
            limit = rng.randrange(1, 10) if rng.random() < 0.3 else None
            rows.append((region, code, False, 0, 100_000, False, limit, 0, 10, n))
            fate = rng.random()
            if limit is not None and fate < 0.1:
                limit = limit + 2
                rows.append((region, code, False, 0, 100_000, False, limit, 0, 20, n))
            elif fate > 0.98:
                rows.append((region, code, True, None, None, None, None, None, 30, n))
                continue
            if limit:
                world.limited[region].append((code, limit))
            if n % 50 == 7:
                restrictions.append((region, code, "F", None, None, None))
            elif n % 50 == 11:
                restrictions.append((region, code, None, 18, 60, None))
            elif n % 50 == 13:
                restrictions.append((region, code, None, None, None, 3))
                world.restricted[region].append(code)
    _bulk(conn, schema.catalogue, ("region", "code", "removed", "category", "price_cap", "inpatient_only",
                                   "max_qty", "min_interval_days", "block", "log_index"), rows)
    _bulk(conn, schema.item_restrictions, ("region", "code", "sex", "min_age", "max_age", "min_level"),
          restrictions)


def _traffic(world: World, claims: int) -> None:
    """Random claims: a person mostly at institutions of the home region (never at the quiet
    institution of each region that :func:`_plant_surge` uses)."""
    rng = world.rng
    statuses = [s for s, _ in _STATUSES]
    weights = [w for _, w in _STATUSES]
    status_pool = rng.choices(statuses, weights, k=4096)
    n_people = len(world.people)
    busy = {r: insts[:-1] for r, insts in world.by_region.items()}  # the last one's is SURGE's
    for k in range(claims):
        person = rng.randrange(n_people)
        local = busy[world.people[person][1] if rng.random() < 0.85 else REGIONS[rng.randrange(len(REGIONS))]]
        inst = local[rng.randrange(len(local))]
        day = START_DAY + rng.randrange(DAYS)
        roll = rng.random()
        visit = VisitType.INPATIENT if roll < 0.08 else VisitType.PHARMACY if roll < 0.2 else VisitType.OUTPATIENT
        discharge = day + rng.randrange(1, 15) if visit is VisitType.INPATIENT else None
        fund = rng.randrange(5_000, 500_000) if discharge else rng.randrange(500, 30_000)
        lines = [(code_of(rng.randrange(CODES)), rng.randrange(1, 4)) for _ in range(rng.randrange(1, 4))]
        world.claim(person, inst, visit, day, discharge, fund, lines, status_pool[k & 4095])


def _two_institutions(world: World, region: int) -> tuple[int, int]:
    a, b = world.rng.sample(world.by_region[region], 2)
    return a, b


def _plant(world: World, count: int) -> None:
    """``count`` planted instances of every rule (on top of what the traffic finds by chance)."""
    rng, out, ip = world.rng, VisitType.OUTPATIENT, VisitType.INPATIENT
    for _ in range(count):
        p = rng.randrange(len(world.people))
        home = world.people[p][1]
        h1, h2 = _two_institutions(world, home)
        d = START_DAY + rng.randrange(DAYS - 60)
        world.claim(p, h1, ip, d, d + 5, 80_000, [("C0001", 1)])  # READMIT: same institution, gap 5
        world.claim(p, h1, ip, d + 10, d + 12, 60_000, [("C0002", 1)])
        world.claim(p, h2, ip, d + 11, d + 14, 50_000, [("C0003", 1)])  # OVERLAP_STAY with the second
        world.claim(p, h2, out, d + 2, None, 3_000, [("C0004", 1)])  # GHOST_BED in the first stay
        q = rng.randrange(len(world.people))
        far = next(r for r in REGIONS if r // 10_000 != world.people[q][1] // 10_000)
        e = d + 30
        for inst in rng.sample(world.by_region[world.people[q][1]], 3):  # SAME_DAY_MULTI
            world.claim(q, inst, out, e, None, 2_000, [("C0005", 1)])
        world.claim(q, world.by_region[far][0], out, e, None, 2_000, [("C0006", 1)])  # IMPOSSIBLE_TRAVEL
        r = rng.randrange(len(world.people))
        hr = world.by_region[world.people[r][1]][0]
        world.claim(r, hr, out, e + 1, None, 1_500, [("C0008", 1), ("C0009", 2)])  # DUP_BILLING
        world.claim(r, hr, out, e + 1, None, 1_700, [("C0008", 1)])
        limited = world.limited[world.people[r][1]]
        if limited:
            code, limit = limited[0]
            for k in range(3):  # OVER_SUPPLY: 3 claims of limit + 1 each in one month
                world.claim(r, hr, VisitType.PHARMACY, d + k, None, 900, [(code, limit + 1)])
        cid = world.claim(p, h1, out, d + 45, None, 2_500, [("C0011", 1)])  # PATIENT_DISPUTE: NOT_RECEIVED
        world.feedback.append((cid, world.people[p][0], 2, "0x" + "00" * 20, world.serial // 100, 0, cid))
        low = [i for i in world.by_region[home] if world.institutions[i][2] < 3]
        if world.restricted[home] and low:  # RESTRICTED_ITEM: min_level 3 at a lower level
            world.claim(p, low[0], out, d + 40, None, 4_000, [(world.restricted[home][0], 1)])
    world.planted.update({str(r): count for r in ("READMIT", "OVERLAP_STAY", "GHOST_BED", "SAME_DAY_MULTI",
                                             "IMPOSSIBLE_TRAVEL", "DUP_BILLING", "OVER_SUPPLY",
                                             "RESTRICTED_ITEM", "PATIENT_DISPUTE")})


def _plant_surge(world: World) -> None:
    """One quiet institution per region whose last month is many times its baseline."""
    for region in REGIONS:
        inst = world.by_region[region][-1]
        people = [i for i, (_, home) in enumerate(world.people) if home == region][:20] or [0]
        for month in range(6):
            day = START_DAY + 30 * month + 5
            world.claim(people[month % len(people)], inst, VisitType.OUTPATIENT, day, None, 30_000, [("C0010", 1)])
        for k in range(5):
            world.claim(people[k % len(people)], inst, VisitType.OUTPATIENT, START_DAY + 30 * 6 + 5 + k, None,
                        90_000, [("C0010", 1)])
    world.planted["SURGE"] = len(REGIONS)


def generate(conn: Connection, *, claims: int, seed: int = 1, institutions: int | None = None,
             people: int | None = None, plant: bool = True) -> World:
    """Write a world of about ``claims`` claims into the (empty) tables of ``conn``: random
    traffic plus, with ``plant``, patterns of every rule (about one set per 5,000 claims).
    Runs in the caller's transaction; returns what it wrote (the claims and lines too)."""
    world = World(seed, random.Random(seed))
    _registry(conn, world, institutions or max(30, claims // 2_500), people or max(50, claims // 8))
    _filings(conn, world)
    _catalogue(conn, world)
    if plant:
        _plant_surge(world)
        _plant(world, max(2, claims // 5_000))
    _traffic(world, max(0, claims - len(world.claims)))
    _bulk(conn, schema.claims, _CLAIM_COLUMNS, world.claims)
    _bulk(conn, schema.claim_lines, _LINE_COLUMNS, world.lines)
    _bulk(conn, schema.claim_feedback, ("claim_id", "person", "code", "relayer", "block", "log_index", "tx"),
          world.feedback)
    return world


def analyze(conn: Connection) -> None:
    """Refresh the planner's statistics (``ANALYZE``) after a bulk load."""
    conn.execute(text("ANALYZE"))


def time_screen(url: str, sizes: Sequence[int] = (100_000, 300_000, 1_000_000), *, seed: int = 1,
                report: Callable[[dict[str, Any]], None] | None = None) -> list[dict[str, Any]]:
    """For each size: empty the database at ``url`` (drop and create the index's tables), load
    a synthetic world of that many claims, ANALYZE, and time :func:`yibao.index.screen.screen`.
    One row per size: ``claims``, ``load_s``, ``screen_s``, ``leads``; ``report`` sees each
    as it is measured."""
    from yibao.index.screen import screen

    rows: list[dict[str, Any]] = []
    engine = create_engine(url)
    try:
        for size in sizes:
            schema.metadata.drop_all(engine)
            schema.metadata.create_all(engine)
            t0 = time.perf_counter()
            with engine.begin() as conn:
                generate(conn, claims=size, seed=seed)
            with engine.begin() as conn:
                analyze(conn)
            t1 = time.perf_counter()
            with engine.connect() as conn:
                leads = screen(conn)
            t2 = time.perf_counter()
            row = {"claims": size, "load_s": round(t1 - t0, 2), "screen_s": round(t2 - t1, 2), "leads": len(leads)}
            rows.append(row)
            if report is not None:
                report(row)
    finally:
        engine.dispose()
    return rows


__all__ = ["CODES", "DAYS", "REGIONS", "START_DAY", "World", "analyze", "code_of", "generate", "time_screen"]
