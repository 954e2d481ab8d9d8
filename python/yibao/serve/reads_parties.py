"""The service's reads about parties and money, from the index, cut to the viewer (as
:mod:`yibao.serve.reads`): institutions with their grade, status and credit over time,
settlements, cross-region clearing (who owes whom), the claims' flow of money, and the
patient's own claims, payments, consents and data-use trail.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from yibao.client.queries import Page
from yibao.index import schema as s
from yibao.model.types import AccessBasis, ClaimStatus, Grade, InstitutionStatus, Purpose
from yibao.serve.reads import NEVER
from yibao.serve.viewer import Forbidden, NotFound, Viewer
from yibao.units import cst_time, from_day


def _time(ts: int | None) -> str | None:
    return cst_time(ts) if ts is not None else None


def _blocks_time(conn: Connection, blocks: set[int]) -> dict[int, int]:
    if not blocks:
        return {}
    b = s.blocks.c
    found = conn.execute(sa.select(b.number, b.timestamp).where(b.number.in_(sorted(blocks))))
    return {int(n): int(t) for n, t in found}


def institution_scope(viewer: Viewer, region: Any = None, account: Any = None) -> ColumnElement[bool]:
    """What ``viewer`` may see of institutions: its regions' and itself, as a condition on a table's
    ``region`` and ``account`` columns (the ``institutions`` table's by default)."""
    region = s.institutions.c.region if region is None else region
    account = s.institutions.c.account if account is None else account
    parts: list[ColumnElement[bool]] = []
    if viewer.regions:
        parts.append(region.in_(sorted(viewer.regions)))
    if viewer.institution_region is not None:
        parts.append(account == viewer.account)
    return sa.or_(*parts) if parts else NEVER


def _current(conn: Connection, accounts: list[str]) -> dict[str, dict[str, int]]:
    """Each institution's last grade and status change (``grade``/``status`` → value)."""
    ch = s.institution_changes.c
    last: dict[str, dict[str, int]] = {a: {} for a in accounts}
    for account, kind, value in conn.execute(sa.select(ch.account, ch.kind, ch.to_value)
                                             .where(ch.account.in_(accounts)).order_by(ch.block, ch.log_index)):
        last[account][kind] = int(value)
    return last


def list_institutions(conn: Connection, viewer: Viewer, names: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """The institutions ``viewer`` may see, by region and on-chain index, with their grade and
    status as the index has them now and their claims and fund share so far."""
    if not viewer.regions and viewer.institution_region is None:
        raise Forbidden(f"{viewer.account} is neither a regulator nor an institution")
    i, c = s.institutions.c, s.claims.c
    rows = conn.execute(sa.select(s.institutions).where(institution_scope(viewer))
                        .order_by(i.region, i.idx)).mappings().all()
    accounts = [str(r["account"]) for r in rows]
    counts = {str(a): (int(n), int(f or 0)) for a, n, f in conn.execute(
        sa.select(c.institution, sa.func.count(), sa.func.sum(c.fund)).where(c.institution.in_(accounts))
        .group_by(c.institution))} if accounts else {}
    now = _current(conn, accounts)
    got = names or {}
    return [{"account": r["account"], "name": got.get(r["account"]), "region": r["region"], "level": r["level"],
             "grade": Grade(now[r["account"]].get("grade", r["grade"])).name,
             "status": InstitutionStatus(now[r["account"]].get("status", 0)).name,
             "claims": counts.get(r["account"], (0, 0))[0], "fund": counts.get(r["account"], (0, 0))[1]}
            for r in rows]


def institution_history(conn: Connection, viewer: Viewer, account: str) -> dict[str, Any]:
    """An institution's grade and status changes, credit scores, fines and suspensions by cases,
    fine payments and settlements, each with its block and time; 404 / 403."""
    i = s.institutions.c
    row = conn.execute(sa.select(s.institutions).where(i.account == account)).mappings().first()
    if row is None:
        raise NotFound(f"institution {account}: not a designated institution")
    if not viewer.may_see_institution(account, int(row["region"])):
        raise Forbidden(f"institution {account} is not {viewer.account}'s to see")
    ch, st, fp, se = s.institution_changes.c, s.case_steps.c, s.fine_payments.c, s.settlements.c
    changes = conn.execute(sa.select(s.institution_changes).where(ch.account == account)
                           .order_by(ch.block, ch.log_index)).mappings().all()
    steps = conn.execute(sa.select(s.case_steps).where(st.institution == account, st.kind.in_(
        ("fine_owed", "suspended", "credit"))).order_by(st.block, st.log_index)).mappings().all()
    fines = conn.execute(sa.select(s.fine_payments).where(fp.institution == account)
                         .order_by(fp.block, fp.log_index)).mappings().all()
    settled = conn.execute(sa.select(s.settlements).where(se.institution == account)
                           .order_by(se.block, se.log_index)).mappings().all()
    times = _blocks_time(conn, {int(r["block"]) for r in (*changes, *steps, *fines, *settled)} | {int(row["block"])})

    def when(r: Any) -> dict[str, Any]:
        return {"block": int(r["block"]), "time": _time(times.get(int(r["block"])))}

    enum = {"grade": Grade, "status": InstitutionStatus}
    return {
        "account": account, "region": row["region"], "level": row["level"], "registered": when(row),
        "registered_grade": Grade(row["grade"]).name,
        "changes": [{"kind": r["kind"], "from": enum[r["kind"]](r["from_value"]).name if r["from_value"] is not None
                     else None, "to": enum[r["kind"]](r["to_value"]).name, "reason": r["reason"], **when(r)}
                    for r in changes],
        "credit": [{"year": r["year"], "score": r["value"], "case": r["case_id"], **when(r)}
                   for r in steps if r["kind"] == "credit"],
        "fines": [{"case": r["case_id"], "fine": r["amount"], "owed": r["value"], **when(r)}
                  for r in steps if r["kind"] == "fine_owed"],
        "suspensions": [{"case": r["case_id"], "until": from_day(int(r["value"])).isoformat(), **when(r)}
                        for r in steps if r["kind"] == "suspended"],
        "fine_payments": [{"amount": r["amount"], "owed": r["owed"], "tx": r["tx"], **when(r)} for r in fines],
        "settlements": [_settlement_json(r, times) for r in settled],
    }


def _settlement_json(r: Any, times: dict[int, int]) -> dict[str, Any]:
    return {"institution": r["institution"], "region": r["region"], "epoch": r["epoch"], "payable": r["payable"],
            "netted": r["netted"], "cash": r["cash"], "claims": r["claims"],
            "from": from_day(int(r["from_day"])).isoformat(), "to": from_day(int(r["to_day"])).isoformat(),
            "block": int(r["block"]), "tx": r["tx"], "time": _time(times.get(int(r["block"])))}


def list_settlements(conn: Connection, viewer: Viewer, page: Page) -> dict[str, Any]:
    """The settlements of the regulator's regions and of the institution itself, oldest first."""
    se = s.settlements.c
    if not viewer.regions and viewer.institution_region is None:
        raise Forbidden(f"{viewer.account} is neither a regulator nor an institution")
    query = sa.select(s.settlements).where(institution_scope(viewer, se.region, se.institution))
    total = int(conn.execute(sa.select(sa.func.count()).select_from(query.subquery())).scalar_one())
    rows = conn.execute(query.order_by(se.block, se.log_index).limit(page.limit).offset(page.offset)).mappings().all()
    times = _blocks_time(conn, {int(r["block"]) for r in rows})
    return {**page.doc(total), "settlements": [_settlement_json(r, times) for r in rows]}


def clearing(conn: Connection, viewer: Viewer) -> dict[str, Any]:
    """Cross-region clearing (异地清算) of the regulator's regions: for each pair of regions with
    one of them its own, what the home region owes the treating region now, and the total owed,
    reduced by clawbacks and cleared so far (the index's ``cross_region`` rows)."""
    regions = viewer.regulator()
    x = s.cross_region.c
    rows = conn.execute(sa.select(s.cross_region).where(sa.or_(x.home.in_(sorted(regions)), x.treating.in_(
        sorted(regions)))).order_by(x.block, x.log_index)).mappings().all()
    pairs: dict[tuple[int, int], dict[str, Any]] = {}
    for r in rows:
        pair = pairs.setdefault((int(r["home"]), int(r["treating"])), {
            "home": int(r["home"]), "treating": int(r["treating"]), "owed": 0, "accrued": 0, "reduced": 0,
            "cleared": 0, "last_block": 0})
        pair[{"owed": "accrued", "reduced": "reduced", "cleared": "cleared"}[str(r["kind"])]] += int(r["amount"])
        pair["owed"], pair["last_block"] = int(r["owed"]), int(r["block"])
    names = dict(conn.execute(sa.select(s.regions.c.code, s.regions.c.name)).all())
    out = sorted(pairs.values(), key=lambda p: (p["home"], p["treating"]))
    for p in out:
        p["home_name"], p["treating_name"] = names.get(p["home"]), names.get(p["treating"])
    return {"regions": sorted(regions), "pairs": out}


# --------------------------------------------------------------------- the patient's side


def patient_trail(conn: Connection, person: str, names: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """Every time a record of ``person``'s was served (数据使用留痕): who read which record, when,
    for what purpose, on what basis; from the index's ``record_accesses``."""
    ra = s.record_accesses.c
    got = names or {}
    rows = conn.execute(sa.select(s.record_accesses).where(ra.person == person)
                        .order_by(ra.block, ra.log_index)).mappings().all()
    return [{"access": r["access_id"], "record": r["record"], "version": r["version"], "reader": r["reader"],
             "reader_name": got.get(r["reader"]), "purpose": _name(Purpose, r["purpose"]),
             "basis": _name(AccessBasis, r["basis"]), "basis_id": r["basis_id"], "block": r["block"], "tx": r["tx"],
             "time": _time(r["time"])} for r in rows]


def patient_consents(conn: Connection, person: str) -> list[dict[str, Any]]:
    """The consents ``person`` gave, with the day each was revoked (if it was)."""
    c = s.consents.c
    rows = conn.execute(sa.select(s.consents).where(c.person == person).order_by(c.block, c.log_index)).mappings().all()
    return [{"consent": r["consent_id"], "grantee": r["grantee"], "record": r["record"],
             "purpose": _name(Purpose, r["purpose"]), "not_after": from_day(int(r["not_after_day"])).isoformat(),
             "revoked": from_day(int(r["revoked_day"])).isoformat() if r["revoked_day"] is not None else None,
             "block": r["block"], "tx": r["tx"]} for r in rows]


def _name(cls: Any, v: int) -> str:
    try:
        return str(cls(v).name)
    except ValueError:
        return str(v)


def contributions(conn: Connection, person: str) -> list[dict[str, Any]]:
    """The contributions paid for ``person`` into their region's fund, each with block and time."""
    co = s.contributions.c
    rows = conn.execute(sa.select(s.contributions).where(co.pseudonym == person)
                        .order_by(co.block, co.log_index)).mappings().all()
    times = _blocks_time(conn, {int(r["block"]) for r in rows})
    return [{"region": r["region"], "amount": r["amount"], "block": int(r["block"]),
             "time": _time(times.get(int(r["block"])))} for r in rows]


def cross_region_after(conn: Connection, home: int, treating: int, block: int) -> list[dict[str, Any]]:
    """The clearing a claim's settlement at ``block`` fed: the ``home`` → ``treating`` share owed
    in that block, and the first clearing of the pair after it."""
    x = s.cross_region.c
    owed = conn.execute(sa.select(s.cross_region).where(x.home == home, x.treating == treating, x.block == block,
                                                        x.kind == "owed").order_by(x.log_index)).mappings().all()
    cleared = conn.execute(sa.select(s.cross_region).where(x.home == home, x.treating == treating, x.block > block,
                                                           x.kind == "cleared").order_by(x.block, x.log_index)
                           .limit(1)).mappings().all()
    rows = [*owed, *cleared]
    times = _blocks_time(conn, {int(r["block"]) for r in rows})
    return [{"kind": r["kind"], "amount": r["amount"], "owed": r["owed"], "block": int(r["block"]),
             "time": _time(times.get(int(r["block"])))} for r in rows]


def patient_totals(conn: Connection, person: str) -> dict[str, int]:
    """What was billed for ``person``'s valid (not rejected) claims, what the fund paid and what they paid."""
    c = s.claims.c
    billed, fund = conn.execute(sa.select(sa.func.coalesce(sa.func.sum(c.billed), 0), sa.func.coalesce(
        sa.func.sum(c.fund), 0)).where(c.person == person, c.status != int(ClaimStatus.REJECTED))).one()
    return {"billed": int(billed), "fund": int(fund), "patient": int(billed) - int(fund)}


def patient_payments(conn: Connection, person: str, names: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """What the fund paid for ``person``: each claim with a fund share (or clawed back), and the
    settlement that paid it (block and transaction) once settled."""
    c, se = s.claims.c, s.settlements.c
    query = (sa.select(c.claim_id, c.institution, c.service_day, c.status, c.fund, c.billed, se.block, se.tx)
             .join(s.settlements, sa.and_(se.institution == c.institution, se.epoch == c.epoch), isouter=True)
             .where(c.person == person, sa.or_(c.fund > 0, c.status == int(ClaimStatus.CLAWED_BACK)))
             .order_by(c.block, c.log_index))
    got = names or {}
    rows = []
    for r in conn.execute(query):
        settled = r.status == int(ClaimStatus.SETTLED) and r.block is not None
        rows.append({"claim_id": r.claim_id, "institution": r.institution, "institution_name": got.get(r.institution),
                     "service_date": from_day(int(r.service_day)).isoformat(), "status": ClaimStatus(r.status).name,
                     "fund": int(r.fund), "patient": int(r.billed) - int(r.fund),
                     "settled_block": int(r.block) if settled else None, "settlement_tx": r.tx if settled else None})
    return rows


def claim_flow(conn: Connection, doc: dict[str, Any]) -> list[dict[str, Any]]:
    """The flow of money around one claim (资金流向, the articles' 行车记录仪), in chain order: the
    person's contributions into the fund, the claim's decision and reviews, the settlement that
    paid it, the cross-region clearing it fed (care outside the person's region), and a clawback
    and the case behind it. ``doc`` is a claim with its chain ``history``."""
    flow: list[dict[str, Any]] = [{"step": "contribution", **c} for c in contributions(conn, doc["person"])]
    for h in doc["history"]:
        flow.append({"step": h["step"], "block": h["block"], "tx": h.get("tx"), "time": h.get("time"),
                     **{k: h[k] for k in ("fund", "amount", "epoch", "cash", "case") if k in h}})
    home = conn.execute(sa.select(s.people.c.region).where(s.people.c.pseudonym == doc["person"])).scalar()
    treating = conn.execute(sa.select(s.institutions.c.region).where(
        s.institutions.c.account == doc["institution"])).scalar()
    settled = next((h for h in doc["history"] if h["step"] == "settled"), None)
    if home is not None and treating is not None and home != treating and settled is not None:
        flow += [{"step": f"clearing_{x['kind']}", "home": int(home), "treating": int(treating), **x}
                 for x in cross_region_after(conn, int(home), int(treating), int(settled["block"]))]
    return flow


__all__ = [
    "claim_flow",
    "clearing",
    "contributions",
    "cross_region_after",
    "institution_history",
    "institution_scope",
    "list_institutions",
    "list_settlements",
    "patient_consents",
    "patient_payments",
    "patient_totals",
    "patient_trail",
]
