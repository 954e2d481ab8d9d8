"""Finding claims and alerts on the chain: the reviewer's queue and the regulator's alerts.

:func:`list_claims` lists the stored claims, filtered by their *current* status, institution,
person and service date, a page at a time. The claims are found from the ledger's events,
read once by block range (:func:`yibao.chain.logs.read_logs`, filtered by topic): the first
``ClaimDecided`` of each claim id (a DUPLICATE announcement is not a new claim), the claim's
institution, member and service day from its claim word (they never change), and its status
followed through ``ClaimReviewed``, ``ClaimAppealed``, ``Settled`` (an institution's
settlement pays all its approved claims) and ``ClaimClawedBack``. Every claim of the page is
then read from the contract (``claimInfo``), which is what is shown: the status printed is the
stored one, and a claim whose stored status does not match the filter is left out.

:func:`list_alerts` lists ``Alert`` events (filtered on the node's side by kind and
institution topics, and from the first block of ``since``), and :func:`follow_alerts` prints
new ones as they are mined.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from web3 import Web3

from yibao import codec
from yibao.chain.logs import Log, Topic, block_time, first_block_at, head, read_logs
from yibao.client.ledger import Ledger
from yibao.errors import ContractError, InputError
from yibao.model.types import AlertKind, ClaimStatus, Flag, Reason, VisitType, flag_names
from yibao.names import Names
from yibao.units import CST, cst_time, to_day

#: The most rows one page may hold.
PAGE_MAX = 10_000


@dataclass(frozen=True)
class Page:
    """Which rows of a listing to return: ``limit`` rows after the first ``offset``, in chain
    order (oldest first), so a page stays the same as the history grows."""

    limit: int = 50
    offset: int = 0

    def __post_init__(self) -> None:
        if not 1 <= self.limit <= PAGE_MAX:
            raise InputError(f"limit must be 1..{PAGE_MAX}, not {self.limit}")
        if self.offset < 0:
            raise InputError(f"offset must not be negative, not {self.offset}")

    def of(self, rows: Sequence[Any]) -> list[Any]:
        return list(rows[self.offset:self.offset + self.limit])

    def doc(self, total: int) -> dict[str, Any]:
        """The paging fields of a listing: ``next_offset`` is None on the last page."""
        nxt = self.offset + self.limit
        return {"total": total, "offset": self.offset, "limit": self.limit,
                "next_offset": nxt if nxt < total else None}


@dataclass(frozen=True)
class ClaimQuery:
    """What :func:`list_claims` keeps: any of ``statuses`` (all when empty), one institution
    (address), one person (pseudonym), and service dates ``start..end`` (inclusive)."""

    statuses: frozenset[ClaimStatus] = frozenset()
    institution: str | None = None
    person: bytes | None = None
    start: dt.date | None = None
    end: dt.date | None = None


@dataclass
class _Found:
    claim_id: bytes
    status: ClaimStatus
    institution: int
    member: int
    day: int
    log: Log


def _topics(ledger: Ledger, *names: str) -> list[bytes]:
    return [ledger.event_topic(n) for n in names]


def _decoded(ledger: Ledger, topics: Sequence[Topic], from_block: int | None = None,
             to_block: int | None = None) -> list[tuple[Log, str, dict[str, Any]]]:
    """(log, event name, arguments) of the ledger's logs matching ``topics``."""
    start = ledger.manifest.block if from_block is None else from_block
    out = []
    for log in read_logs(ledger.chain, ledger.address, topics, start, to_block):
        e = ledger.decode_log(log.raw())
        if e is not None:
            out.append((log, str(e["event"]), e["args"]))
    return out


def event_args(ledger: Ledger, event: str, *topics: Topic) -> list[dict[str, Any]]:
    """The arguments of the ledger's ``event`` logs (since the deployment) whose indexed
    arguments match ``topics``, position by position (``None``: any), in chain order."""
    return [a for _, name, a in _decoded(ledger, [ledger.event_topic(event), *topics]) if name == event]


def institution_accounts(ledger: Ledger) -> dict[int, str]:
    """The institutions' accounts by their index (from ``InstitutionAdded``)."""
    return {int(a["index"]): str(Web3.to_checksum_address(a["account"]))
            for _, _, a in _decoded(ledger, [ledger.event_topic("InstitutionAdded")])}


def _claims(ledger: Ledger) -> tuple[list[_Found], dict[int, str]]:
    """Every stored claim in order of submission, with its status followed through the events."""
    events = ("ClaimDecided", "ClaimReviewed", "ClaimAppealed", "ClaimClawedBack", "Settled", "InstitutionAdded")
    found: dict[bytes, _Found] = {}
    approved: dict[int, list[_Found]] = {}
    accounts: dict[int, str] = {}
    index_of: dict[str, int] = {}
    for log, name, a in _decoded(ledger, [_topics(ledger, *events)]):
        if name == "InstitutionAdded":
            acct = str(Web3.to_checksum_address(a["account"]))
            accounts[int(a["index"])], index_of[acct.lower()] = acct, int(a["index"])
        elif name == "ClaimDecided":
            cid = bytes(a["claimId"])
            if cid in found:
                continue  # a DUPLICATE announcement of a stored claim
            w = int(a["decision"])
            f = _Found(cid, ClaimStatus(w & codec.CLAIM_STATUS_MASK),
                       (w >> codec.CLAIM_INSTITUTION_SHIFT) & codec.CLAIM_INSTITUTION_MASK,
                       (w >> codec.CLAIM_MEMBER_SHIFT) & codec.CLAIM_MEMBER_MASK,
                       (w >> codec.CLAIM_DAY_SHIFT) & codec.CLAIM_DAY_MASK, log)
            found[cid] = f
            _moved(f, f.status, approved)
        elif name == "Settled":
            for f in approved.pop(index_of.get(str(a["institution"]).lower(), -1), []):
                f.status = ClaimStatus.SETTLED
        elif (f2 := found.get(bytes(a["claimId"]))) is not None:
            status = {"ClaimAppealed": ClaimStatus.APPEALED, "ClaimClawedBack": ClaimStatus.CLAWED_BACK}.get(
                name, ClaimStatus.APPROVED if a.get("approved") else ClaimStatus.REJECTED)
            _moved(f2, status, approved)
    return list(found.values()), accounts


def _moved(f: _Found, status: ClaimStatus, approved: dict[int, list[_Found]]) -> None:
    f.status = status
    if status == ClaimStatus.APPROVED:
        approved.setdefault(f.institution, []).append(f)


def _index_of_institution(ledger: Ledger, account: str) -> int:
    try:
        return ledger.institution(account).index
    except ContractError as exc:
        if exc.name == "InstitutionUnknown":
            raise InputError(f"institution {account} is not registered") from None
        raise


def _index_of_person(ledger: Ledger, person: bytes) -> int:
    try:
        return ledger.person(person).index
    except ContractError as exc:
        if exc.name == "PersonUnknown":
            raise InputError(f"person 0x{person.hex()} is not enrolled") from None
        raise


def list_claims(ledger: Ledger, query: ClaimQuery, page: Page, names: Names | None = None) -> dict[str, Any]:
    """The claims that match ``query``, one page of them, read back from the contract:
    ``{"claims": [...], "total", "offset", "limit", "next_offset"}``."""
    inst = _index_of_institution(ledger, query.institution) if query.institution else None
    member = _index_of_person(ledger, query.person) if query.person is not None else None
    lo = to_day(query.start) if query.start else None
    hi = to_day(query.end) if query.end else None
    claims, accounts = _claims(ledger)
    kept = [f for f in claims
            if (not query.statuses or f.status in query.statuses)
            and (inst is None or f.institution == inst) and (member is None or f.member == member)
            and (lo is None or f.day >= lo) and (hi is None or f.day <= hi)]
    rows = []
    total = len(kept)
    for f in page.of(kept):
        view = ledger.claim(f.claim_id)
        if query.statuses and view.status not in query.statuses:
            total -= 1  # its stored status moved on since the events were read
            continue
        account = accounts.get(view.institution)
        ts = f.log.timestamp if f.log.timestamp is not None else block_time(ledger.chain, f.log.block)
        rows.append({
            "claim_id": "0x" + f.claim_id.hex(), "status": view.status.name, "reason": _name(Reason, view.reason),
            "flags": flag_names(Flag(view.flags)), "visit": _name(VisitType, view.visit),
            "service_date": view.service_date.isoformat(), "institution": account,
            "institution_name": names.institution(account) if names else None, "member": view.member,
            "billed": view.billed, "eligible": view.eligible, "deductible": view.deductible, "fund": view.fund,
            "patient": view.patient, "submitted": cst_time(ts), "block": f.log.block, "tx": f.log.tx,
        })
    return {"claims": rows, **page.doc(total)}


def _name(cls: Any, v: Any) -> str:
    try:
        return str(cls(int(v)).name)
    except ValueError:
        return str(int(v))


# ---------------------------------------------------------------------- alerts


@dataclass(frozen=True)
class AlertQuery:
    """What :func:`list_alerts` keeps: any of ``kinds`` (all when empty), one institution,
    and alerts mined from 00:00 CST of ``since`` on."""

    kinds: frozenset[AlertKind] = frozenset()
    institution: str | None = None
    since: dt.date | None = None

    def topics(self, ledger: Ledger) -> list[Topic]:
        kinds = [int(k).to_bytes(32, "big") for k in sorted(self.kinds)] or None
        who = bytes(12) + bytes.fromhex(Web3.to_checksum_address(self.institution)[2:]) if self.institution else None
        return [ledger.event_topic("Alert"), None, kinds, who]


def start_of(day: dt.date) -> int:
    """Unix time of 00:00 CST of ``day``."""
    return int(dt.datetime(day.year, day.month, day.day, tzinfo=CST).timestamp())


def alerts_in(ledger: Ledger, query: AlertQuery, from_block: int, to_block: int,
              names: Names | None = None) -> list[dict[str, Any]]:
    """The alerts matching ``query`` mined in blocks ``from_block..to_block``, oldest first."""
    rows = []
    for log, _, a in _decoded(ledger, query.topics(ledger), from_block, to_block):
        account = str(Web3.to_checksum_address(a["institution"]))
        ts = log.timestamp if log.timestamp is not None else block_time(ledger.chain, log.block)
        rows.append({"claim_id": "0x" + bytes(a["claimId"]).hex(), "kind": _name(AlertKind, a["kind"]),
                     "institution": account, "institution_name": names.institution(account) if names else None,
                     "time": cst_time(ts), "block": log.block, "tx": log.tx})
    return rows


def first_block(ledger: Ledger, since: dt.date | None) -> int:
    """The first block to read for alerts since ``since`` (the deployment's block without it)."""
    if since is None:
        return ledger.manifest.block
    return first_block_at(ledger.chain, start_of(since), ledger.manifest.block)


def list_alerts(ledger: Ledger, query: AlertQuery, page: Page, names: Names | None = None) -> dict[str, Any]:
    """One page of the alerts matching ``query``: ``{"alerts": [...], "total", …}``."""
    last = head(ledger.chain)
    rows = alerts_in(ledger, query, first_block(ledger, query.since), last, names)
    return {"alerts": page.of(rows), **page.doc(len(rows)), "last_block": last}


@dataclass
class Follow:
    """How :func:`follow_alerts` ends: after ``max_wait`` seconds (None: never), after
    ``until_count`` alerts (None: never), or when ``stopped()`` says so (a signal)."""

    max_wait: float | None = None
    until_count: int | None = None
    poll: float = 0.5
    stopped: Callable[[], bool] = field(default=lambda: False)


def follow_alerts(open_ledger: Callable[[], Ledger], query: AlertQuery, next_block: int, follow: Follow,
                  emit: Callable[[dict[str, Any]], None], changed: Callable[[], bool] | None = None,
                  close: Callable[[Ledger], None] | None = None, names: Names | None = None) -> int:
    """Print (``emit``) each new alert mined from ``next_block`` on, polling, until ``follow``
    says stop; the number emitted. ``open_ledger`` gives the chain as it is now; ``close`` lets
    it go between polls (the embedded chain's journal lock, so that other commands can mine),
    and ``changed`` says whether there may be new blocks (the journal changed) before reopening."""
    began = time.monotonic()
    count = 0
    first = True
    ledger: Ledger | None = None
    while not follow.stopped():
        if first or changed is None or changed():
            first = False
            ledger = ledger or open_ledger()
            last = head(ledger.chain)
            for row in alerts_in(ledger, query, next_block, last, names) if last >= next_block else []:
                emit(row)
                count += 1
                if follow.until_count is not None and count >= follow.until_count:
                    return count
            next_block = max(next_block, last + 1)
            if close is not None:
                close(ledger)
                ledger = None
        if follow.max_wait is not None and time.monotonic() - began >= follow.max_wait:
            break
        time.sleep(follow.poll)
    return count


__all__ = [
    "PAGE_MAX",
    "AlertQuery",
    "ClaimQuery",
    "Follow",
    "Page",
    "alerts_in",
    "event_args",
    "first_block",
    "follow_alerts",
    "institution_accounts",
    "list_alerts",
    "list_claims",
    "start_of",
]
