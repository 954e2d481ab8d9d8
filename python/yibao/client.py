"""The typed Python API of a yibao deployment.

>>> chain = Chain.embedded()
>>> ledger = Ledger.deploy(chain)             # or Ledger.open(chain, manifest)
>>> ledger.add_region(500000, "Chongqing", 100_000_000)

Every write signs locally with the acting account (``ledger.acting_as(key)``), returns a
:class:`TxResult` with the decoded events, and raises the decoded contract error
(:class:`~yibao.errors.ContractError`) on a revert, the same on every kind of chain.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from eth_abi.abi import decode as abi_decode
from eth_account.signers.local import LocalAccount
from web3 import Web3

from yibao.chain import artifacts
from yibao.chain.abi import ErrorDecoder, EventDecoder
from yibao.chain.backend import Chain, dev_account
from yibao.days import from_day, to_day
from yibao.deployment import Manifest, deploy
from yibao.errors import AccessDenied, InputError
from yibao.model.types import Grade, InstitutionStatus, PersonStatus, Scheme

#: People per enrolment transaction (the contract accepts up to 500).
ENROL_BATCH = 200
_GAS_PER_ENROLMENT = 75_000


@dataclass(frozen=True)
class TxResult:
    """A mined transaction: gas used and decoded events, in log order."""

    gas_used: int
    events: list[dict[str, Any]]
    tx_hash: str

    def named(self, name: str) -> list[dict[str, Any]]:
        return [e["args"] for e in self.events if e["event"] == name]


@dataclass(frozen=True)
class Institution:
    account: str
    region: int
    index: int
    level: int
    status: InstitutionStatus
    grade: Grade
    frozen: bool

    def to_json(self) -> dict[str, Any]:
        return {
            "account": self.account,
            "region": self.region,
            "index": self.index,
            "level": self.level,
            "status": self.status.name,
            "grade": self.grade.name,
            "frozen": self.frozen,
        }


@dataclass(frozen=True)
class Filing:
    region: int
    start: dt.date
    end: dt.date

    def to_json(self) -> dict[str, Any]:
        return {"region": self.region, "from": self.start.isoformat(), "to": self.end.isoformat()}


@dataclass(frozen=True)
class Person:
    pseudonym: bytes
    index: int
    region: int
    scheme: Scheme
    status: PersonStatus
    status_reason: int
    coverage_from: dt.date
    coverage_to: dt.date
    wallet: str | None
    filings: tuple[Filing, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "pseudonym": "0x" + self.pseudonym.hex(),
            "index": self.index,
            "region": self.region,
            "scheme": self.scheme.name,
            "status": self.status.name,
            "status_reason": self.status_reason,
            "coverage_from": self.coverage_from.isoformat(),
            "coverage_to": self.coverage_to.isoformat(),
            "wallet": self.wallet,
            "filings": [f.to_json() for f in self.filings],
        }


@dataclass(frozen=True)
class Enrolment:
    """One person to enrol; ``person`` is the pseudonym, never the ID."""

    person: bytes
    region: int
    scheme: Scheme
    coverage_from: dt.date
    coverage_to: dt.date
    wallet: str | None = None

    def as_tuple(self) -> tuple[Any, ...]:
        return (
            self.person,
            self.region,
            int(self.scheme),
            to_day(self.coverage_from),
            to_day(self.coverage_to),
            Web3.to_checksum_address(self.wallet) if self.wallet else "0x" + "00" * 20,
        )


class Ledger:
    """A client of one deployment, acting as one account at a time."""

    def __init__(self, chain: Chain, manifest: Manifest, account: LocalAccount | None = None) -> None:
        self.chain = chain
        self.manifest = manifest
        self.address = manifest.ledger
        abi = artifacts.ledger_abi()
        self._contract = chain.w3.eth.contract(address=Web3.to_checksum_address(self.address), abi=abi)
        self._events = EventDecoder(abi)
        chain.decoder = ErrorDecoder(abi)
        self.account: LocalAccount = account or dev_account(0)
        self._outputs = {
            item["name"]: [_abi_type(o) for o in item["outputs"]]
            for item in abi
            if item["type"] == "function"
        }

    # ------------------------------------------------------------------ construction

    @classmethod
    def deploy(cls, chain: Chain, deployer: LocalAccount | None = None, admin: str | None = None) -> Ledger:
        deployer = deployer or dev_account(0)
        manifest = deploy(chain, deployer, admin)
        return cls(chain, manifest, deployer)

    @classmethod
    def open(cls, chain: Chain, manifest: Manifest, account: LocalAccount | None = None) -> Ledger:
        """A client from a manifest, after checking it against the package and the node."""
        manifest.verify(chain)
        return cls(chain, manifest, account)

    def acting_as(self, account: LocalAccount) -> Ledger:
        """The same deployment, with transactions signed by ``account``."""
        other = Ledger.__new__(Ledger)
        other.__dict__.update(self.__dict__)
        other.account = account
        return other

    # ------------------------------------------------------------------ plumbing

    def transact(self, fn: str, *args: Any, gas: int | None = None) -> TxResult:
        data = self._contract.encode_abi(fn, args=list(args))
        try:
            sent = self.chain.send(self.account, self.address, bytes.fromhex(data[2:]), gas=gas)
        except AccessDenied as exc:
            raise self._explain(exc) from None
        events = [e for e in (self._events.decode(log) for log in sent.receipt["logs"]) if e]
        return TxResult(sent.gas_used, events, "0x" + sent.tx_hash.hex())

    def _explain(self, exc: AccessDenied) -> AccessDenied:
        """Name the missing role ("operator of 500000") in the error message."""
        role = exc.inputs.get("neededRole", b"")
        try:
            regions = [int(c) for c in self.call("regionCodes")]
        except Exception:  # noqa: BLE001 - best effort only
            regions = []
        name = describe_role(bytes(role), regions)
        who = Web3.to_checksum_address(exc.inputs.get("account", "0x" + "00" * 20))
        explained = AccessDenied(exc.name, exc.error_args, exc.inputs, exc.selector)
        explained.args = (f"{exc.name}: {who} lacks the role {name}",)
        return explained

    def call(self, fn: str, *args: Any) -> Any:
        data = self._contract.encode_abi(fn, args=list(args))
        raw = self.chain.call(self.address, bytes.fromhex(data[2:]), sender=self.account.address)
        values = abi_decode(self._outputs[fn], raw)
        return values[0] if len(values) == 1 else values

    # ------------------------------------------------------------------ roles

    def regulator_role(self, region: int) -> bytes:
        return bytes(self.call("regulatorRole", region))

    def operator_role(self, region: int) -> bytes:
        return bytes(self.call("operatorRole", region))

    def reviewer_role(self, region: int) -> bytes:
        return bytes(self.call("reviewerRole", region))

    def institution_role(self) -> bytes:
        return bytes(self.call("institutionRole"))

    def admin_role(self) -> bytes:
        return bytes(32)

    def grant_role(self, role: bytes, account: str) -> TxResult:
        return self.transact("grantRole", role, Web3.to_checksum_address(account))

    def revoke_role(self, role: bytes, account: str) -> TxResult:
        return self.transact("revokeRole", role, Web3.to_checksum_address(account))

    def has_role(self, role: bytes, account: str) -> bool:
        return bool(self.call("hasRole", role, Web3.to_checksum_address(account)))

    # ------------------------------------------------------------------ regions

    def add_region(self, code: int, name: str, opening_balance: int = 0) -> TxResult:
        _money(opening_balance, "opening balance")
        return self.transact("addRegion", code, name, opening_balance)

    def region(self, code: int) -> dict[str, Any]:
        c, exists, opening, name = self.call("regionInfo", code)
        return {"code": c, "exists": exists, "opening_balance": opening, "name": name}

    # ------------------------------------------------------------------ institutions

    def add_institution(self, account: str, region: int, level: int, grade: Grade | str = Grade.A) -> TxResult:
        g = _enum(Grade, grade, "grade")
        return self.transact("addInstitution", Web3.to_checksum_address(account), region, level, int(g))

    def set_institution_status(self, account: str, status: InstitutionStatus | str, reason: int = 0) -> TxResult:
        s = _enum(InstitutionStatus, status, "status")
        return self.transact("setInstitutionStatus", Web3.to_checksum_address(account), int(s), reason)

    def set_institution_grade(self, account: str, grade: Grade | str) -> TxResult:
        g = _enum(Grade, grade, "grade")
        return self.transact("setInstitutionGrade", Web3.to_checksum_address(account), int(g))

    def institution(self, account: str) -> Institution:
        acct, region, index, level, status, grade, frozen = self.call(
            "institutionInfo", Web3.to_checksum_address(account)
        )
        return Institution(
            Web3.to_checksum_address(acct), region, index, level,
            InstitutionStatus(status), Grade(grade), frozen,
        )

    def institution_count(self) -> int:
        return int(self.call("institutionCount"))

    # ------------------------------------------------------------------ people

    def enrol(self, e: Enrolment) -> TxResult:
        return self.transact("enrol", e.as_tuple())

    def enrol_batch(self, batch: Sequence[Enrolment]) -> TxResult:
        return self.transact(
            "enrolBatch", [e.as_tuple() for e in batch],
            gas=min(50_000_000, 200_000 + _GAS_PER_ENROLMENT * len(batch)),
        )

    def enrol_many(
        self,
        people: Sequence[Enrolment],
        batch_size: int = ENROL_BATCH,
        progress: Callable[[int], None] | None = None,
    ) -> list[TxResult]:
        """Enrol many people in batches. Everything is checked first (duplicates in the list,
        people already enrolled), so a bad entry is refused before anything is written."""
        seen: set[bytes] = set()
        regions = {int(c) for c in self.call("regionCodes")}
        for i, e in enumerate(people):
            if len(e.person) != 32 or e.person == bytes(32):
                raise InputError(f"entry {i + 1}: pseudonym must be 32 non-zero bytes")
            if e.region not in regions:
                raise InputError(f"entry {i + 1}: region {e.region} is not registered")
            if e.coverage_to < e.coverage_from:
                raise InputError(f"entry {i + 1}: coverage_to is before coverage_from")
            if e.person in seen:
                raise InputError(f"entry {i + 1}: the same person appears twice")
            seen.add(e.person)
        for start in range(0, len(people), 1000):
            chunk = [e.person for e in people[start:start + 1000]]
            for j, exists in enumerate(self.call("enrolled", chunk)):
                if exists:
                    raise InputError(f"entry {start + j + 1}: person already enrolled")
        results = []
        for start in range(0, len(people), batch_size):
            batch = people[start:start + batch_size]
            results.append(self.enrol_batch(batch))
            if progress:
                progress(len(batch))
        return results

    def update_person(self, person: bytes, scheme: Scheme | str, coverage_from: dt.date,
                      coverage_to: dt.date) -> TxResult:
        s = _enum(Scheme, scheme, "scheme")
        return self.transact("updatePerson", person, int(s), to_day(coverage_from), to_day(coverage_to))

    def set_person_wallet(self, person: bytes, wallet: str | None) -> TxResult:
        w = Web3.to_checksum_address(wallet) if wallet else "0x" + "00" * 20
        return self.transact("setPersonWallet", person, w)

    def suspend_person(self, person: bytes, reason: int = 0) -> TxResult:
        return self.transact("suspendPerson", person, reason)

    def reinstate_person(self, person: bytes, reason: int = 0) -> TxResult:
        return self.transact("reinstatePerson", person, reason)

    def terminate_person(self, person: bytes, reason: int = 0) -> TxResult:
        return self.transact("terminatePerson", person, reason)

    def add_filing(self, person: bytes, region: int, start: dt.date, end: dt.date) -> TxResult:
        return self.transact("addFiling", person, region, to_day(start), to_day(end))

    def cancel_filing(self, person: bytes, region: int, start: dt.date) -> TxResult:
        return self.transact("cancelFiling", person, region, to_day(start))

    def person(self, pseudonym: bytes) -> Person:
        p, index, region, scheme, status, reason, cf, ct, wallet = self.call("personInfo", pseudonym)
        filings = tuple(
            Filing(r, from_day(a), from_day(b)) for r, a, b in self.call("filingsOf", pseudonym)
        )
        w = Web3.to_checksum_address(wallet)
        return Person(
            bytes(p), index, region, Scheme(scheme), PersonStatus(status), reason,
            from_day(cf), from_day(ct), None if int(w, 16) == 0 else w, filings,
        )

    def person_count(self) -> int:
        return int(self.call("personCount"))

    def is_covered(self, pseudonym: bytes, day: dt.date) -> bool:
        return bool(self.call("isCovered", pseudonym, to_day(day)))

    def has_filing(self, pseudonym: bytes, region: int, day: dt.date) -> bool:
        return bool(self.call("hasFiling", pseudonym, region, to_day(day)))

    def today(self) -> dt.date:
        return from_day(int(self.call("today")))


def _abi_type(p: dict[str, Any]) -> str:
    t: str = p["type"]
    if t.startswith("tuple"):
        return "(" + ",".join(_abi_type(c) for c in p["components"]) + ")" + t[5:]
    return t


def _enum(cls: Any, value: Any, what: str) -> Any:
    if isinstance(value, cls):
        return value
    if isinstance(value, str):
        try:
            return cls[value.strip().upper()]
        except KeyError:
            names = ", ".join(m.name for m in cls)
            raise InputError(f"{what} must be one of {names}, not {value!r}") from None
    try:
        return cls(int(value))
    except (ValueError, TypeError):
        raise InputError(f"{what}: {value!r} is not valid") from None


def _money(v: int, what: str) -> int:
    if not isinstance(v, int) or isinstance(v, bool) or v < 0:
        raise InputError(f"{what} must be a non-negative integer number of fen, not {v!r}")
    return v


def iter_chunks(items: Sequence[Any], n: int) -> Iterable[Sequence[Any]]:
    for i in range(0, len(items), n):
        yield items[i:i + n]


def role_ids(region: int) -> dict[str, bytes]:
    """The regional role ids, computed as the contracts compute them (libraries/Roles.sol)."""
    from eth_abi.abi import encode
    from eth_utils.crypto import keccak

    return {
        f"{kind} of {region}": keccak(encode(["string", "uint32"], [f"yibao.role.{kind}", region]))
        for kind in ("regulator", "operator", "reviewer")
    }


def describe_role(role: bytes, regions: Iterable[int]) -> str:
    """A readable name for a role id."""
    from eth_utils.crypto import keccak

    if role == bytes(32):
        return "admin"
    if role == keccak(text="yibao.role.institution"):
        return "institution"
    for code in regions:
        for name, rid in role_ids(code).items():
            if rid == role:
                return name
    return "0x" + role.hex()
