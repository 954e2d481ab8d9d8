"""The registry's calls: roles, regions, institutions, people and filings (IRegistry)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

from web3 import Web3

from yibao import codec
from yibao.chain.backend import TxRequest
from yibao.client.base import PIPELINE, LedgerCore, iter_chunks
from yibao.client.types import Enrolment, Institution, Person, TxResult
from yibao.errors import InputError
from yibao.model.types import Filing, Grade, InstitutionStatus, PersonStatus, Scheme, parse_enum
from yibao.units import from_day, to_day

#: People per enrolment transaction (the contract accepts up to 500).
ENROL_BATCH = 200
_GAS_PER_ENROLMENT = 75_000


class RegistryCalls(LedgerCore):
    """Roles, regions, institutions, people and filings."""

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
        codec.check_fen(opening_balance, "opening balance")
        return self.transact("addRegion", code, name, opening_balance)

    def region_codes(self) -> list[int]:
        """Codes of the registered regions, in registration order."""
        return [int(c) for c in self.call("regionCodes")]

    def region(self, code: int) -> dict[str, Any]:
        c, exists, opening, name = self.call("regionInfo", code)
        return {"code": c, "exists": exists, "opening_balance": opening, "name": name}

    # ------------------------------------------------------------------ institutions

    def add_institution(self, account: str, region: int, level: int, grade: Grade | str = Grade.A) -> TxResult:
        g = parse_enum(Grade, grade, "grade")
        return self.transact("addInstitution", Web3.to_checksum_address(account), region, level, int(g))

    def set_institution_status(self, account: str, status: InstitutionStatus | str, reason: int = 0) -> TxResult:
        s = parse_enum(InstitutionStatus, status, "status")
        return self.transact("setInstitutionStatus", Web3.to_checksum_address(account), int(s), reason)

    def set_institution_grade(self, account: str, grade: Grade | str) -> TxResult:
        g = parse_enum(Grade, grade, "grade")
        return self.transact("setInstitutionGrade", Web3.to_checksum_address(account), int(g))

    def institution(self, account: str) -> Institution:
        acct, region, index, level, status, grade, frozen, payable, pending, paid, debt = self.call(
            "institutionInfo", Web3.to_checksum_address(account)
        )
        return Institution(
            Web3.to_checksum_address(acct), region, index, level,
            InstitutionStatus(status), Grade(grade), frozen, payable, pending, paid, debt,
        )

    def institution_count(self) -> int:
        return int(self.call("institutionCount"))

    # ------------------------------------------------------------------ people

    def enrol(self, e: Enrolment) -> TxResult:
        return self.transact("enrol", e.as_tuple())

    def enrol_batch(self, batch: Sequence[Enrolment]) -> TxResult:
        return self.transact("enrolBatch", [e.as_tuple() for e in batch], gas=_enrol_gas(len(batch)))

    def enrol_request(self, batch: Sequence[Enrolment]) -> TxRequest:
        """The ``enrolBatch`` transaction of ``batch``, to send with others (:meth:`transact_many`)."""
        return self.request("enrolBatch", [e.as_tuple() for e in batch], gas=_enrol_gas(len(batch)))

    def plan_enrolment(self, people: Sequence[Enrolment],
                       labels: Sequence[str] | None = None) -> tuple[list[Enrolment], list[Enrolment]]:
        """Check every entry as the contract would, for the acting account, and split the list
        into (to enrol, already enrolled with the same data). Raises one :class:`InputError`
        naming the first bad entry (``labels[i]``, or ``entry i+1``): a bad pseudonym, an
        unregistered region, a region whose operator role the acting account lacks, reversed
        coverage, a person or a wallet listed twice, a wallet bound to another person on chain, or
        a person enrolled on chain with other data."""
        if labels is not None and len(labels) != len(people):
            raise ValueError("one label per entry")
        names = labels if labels is not None else [f"entry {i + 1}" for i in range(len(people))]
        regions = set(self.region_codes())
        allowed: dict[int, bool] = {}
        seen: dict[bytes, str] = {}
        wallets: dict[str, str] = {}
        signer = self.signer.address
        for label, e in zip(names, people, strict=True):
            if len(e.person) != 32 or e.person == bytes(32):
                raise InputError(f"{label}: pseudonym must be 32 non-zero bytes")
            if e.region not in regions:
                raise InputError(f"{label}: region {e.region} is not registered")
            if e.region not in allowed:
                allowed[e.region] = self.has_role(self.operator_role(e.region), signer)
            if not allowed[e.region]:
                raise InputError(f"{label}: {signer} lacks the role operator of {e.region}")
            if e.coverage_to < e.coverage_from:
                raise InputError(f"{label}: coverage_to is before coverage_from")
            if e.person in seen:
                raise InputError(f"{label}: the same person as {seen[e.person]}")
            seen[e.person] = label
            wallet = (e.wallet or "").lower()
            if wallet and wallet in wallets:
                raise InputError(f"{label}: the same wallet as {wallets[wallet]} (a wallet is one person's)")
            if wallet:
                wallets[wallet] = label
        fresh: list[Enrolment] = []
        skipped: list[Enrolment] = []
        for start in range(0, len(people), 1000):
            chunk = people[start:start + 1000]
            for j, exists in enumerate(self.call("enrolled", [e.person for e in chunk])):
                e = chunk[j]
                if not exists:
                    bound = self._wallet_owner(e)
                    if bound is not None:
                        raise InputError(f"{names[start + j]}: wallet {e.wallet} is bound to person "
                                         f"0x{bound.hex()[:12]}… already")
                    fresh.append(e)
                    continue
                diff = self._differences(e)
                if diff:
                    raise InputError(f"{names[start + j]}: person 0x{e.person.hex()[:12]}… is already enrolled "
                                     f"with other data ({', '.join(diff)})")
                skipped.append(e)
        return fresh, skipped

    def _wallet_owner(self, e: Enrolment) -> bytes | None:
        """The person another than ``e``'s that ``e``'s wallet is bound to on chain, if any."""
        if not e.wallet:
            return None
        person = bytes(self.call("personOfWallet", Web3.to_checksum_address(e.wallet)))
        return None if person in (bytes(32), e.person) else person

    def _differences(self, e: Enrolment) -> list[str]:
        """The fields in which the stored person differs from ``e``."""
        p = self.person(e.person)
        have = (p.region, p.scheme, p.coverage_from, p.coverage_to, (p.wallet or "").lower())
        want = (e.region, e.scheme, e.coverage_from, e.coverage_to, (e.wallet or "").lower())
        names = ("region", "scheme", "coverage_from", "coverage_to", "wallet")
        return [f"{n} {h.name if hasattr(h, 'name') else h} on chain"
                for n, h, w in zip(names, have, want, strict=True) if h != w]

    def enrol_many(self, people: Sequence[Enrolment], batch_size: int = ENROL_BATCH,
            progress: Callable[[int], None] | None = None) -> list[TxResult]:
        """Enrol many people in batches after :meth:`plan_enrolment`: everything is checked
        first, so a bad entry is refused before anything is sent, and a person already
        enrolled with the same data is skipped (a rerun resumes). ``progress`` is told the
        people of each batch sent. The transactions sent (none when all were enrolled)."""
        fresh, _ = self.plan_enrolment(people)
        results: list[TxResult] = []
        for group in iter_chunks(list(iter_chunks(fresh, batch_size)), PIPELINE):
            results += self.transact_all([self.enrol_request(batch) for batch in group])
            for batch in group:
                if progress:
                    progress(len(batch))
        return results

    def update_person(self, person: bytes, scheme: Scheme | str, coverage_from: dt.date,
                      coverage_to: dt.date) -> TxResult:
        s = parse_enum(Scheme, scheme, "scheme")
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



def _enrol_gas(n: int) -> int:
    """The gas an ``enrolBatch`` of ``n`` people is sent with."""
    return min(50_000_000, 200_000 + _GAS_PER_ENROLMENT * n)

__all__ = ["ENROL_BATCH", "RegistryCalls"]
