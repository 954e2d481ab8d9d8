"""The laws of the patient's side (docs/rules/records.md), held by a Hypothesis state machine on
the embedded chain: random grants (one record or all, various purposes and last days),
revocations, days passing, new records, rotations and read attempts by the grantees, a stranger
and the custodian. The expectation is computed from the page's words alone (not from any code of
the product):

* a read under a consent is served exactly when the consent is of the record's person, to the
  reader, covers the record (its own or "every record"), names the purpose, is not revoked and
  today ≤ its last day; else it is refused by the page's name for the first failing condition
  (``ConsentMismatch``, then ``ConsentInactive``);
* ``consentInfo(...).active`` is that same "not revoked and today ≤ last day", every day;
* the trail (``RecordServed`` events) is exactly the reads that were served, in order, and its
  length is the chain's own ``accessesOf``;
* a served read returns the record's plaintext, whatever rotations came before.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

import pytest
from afterworld import A, D0, HOSP, OP_A, REG_A, STRANGER, build_base
from eth_account import Account
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from yibao.chain import dev_account
from yibao.client.records import AccessRequest
from yibao.errors import ContractError
from yibao.model.types import AccessBasis, Purpose
from yibao.records import service
from yibao.records.secrets import EncryptionSecrets
from yibao.records.store import FolderStore
from yibao.units import noon_cst

DOCTOR = dev_account(9)
PATIENT = Account.from_key(bytes.fromhex("6b" * 32))
READERS = {"doctor": DOCTOR, "regulator": REG_A, "stranger": STRANGER}
CONSENT_PURPOSES = [Purpose.TREATMENT, Purpose.CLAIM_REVIEW, Purpose.RESEARCH]


class _Request:
    def __init__(self) -> None:
        self.param = "embedded"

    def addfinalizer(self, fn: object) -> None:  # the embedded chain needs no finalizer
        pass


class _Base:
    """One world for the whole run, its keys registered, reverted to before each example."""

    def __init__(self) -> None:
        self.world_iter = build_base(_Request())  # type: ignore[arg-type]
        self.w = w = next(self.world_iter)
        w.as_(REG_A).add_institution(DOCTOR.address, A, 2)
        w.as_(OP_A).set_person_wallet(w.p_home, PATIENT.address)
        self.folder = tempfile.TemporaryDirectory(prefix="yibao-record-laws-")
        self.secrets = EncryptionSecrets(Path(self.folder.name))
        for acct in (*READERS.values(), HOSP):
            w.chain.fund(acct.address)
            service.ensure_encryption_key(w.as_(acct), self.secrets, acct)
        service.ensure_encryption_key(w.as_(OP_A), self.secrets, PATIENT)
        self.snap = w.chain.snapshot()

    def fresh(self) -> None:
        self.w.chain.revert(self.snap)
        self.snap = self.w.chain.snapshot()

    def close(self) -> None:
        self.world_iter.close()
        self.folder.cleanup()


BASE: list[_Base] = []
SEEN: dict[str, int] = {}  # outcome → reads of that outcome over the whole run


class RecordLaws(RuleBasedStateMachine):
    @initialize()
    def setup(self) -> None:
        base = BASE[0]
        base.fresh()
        self.w = w = base.w
        self.secrets = base.secrets
        self.folder = tempfile.TemporaryDirectory(prefix="yibao-record-store-")
        self.store = FolderStore(Path(self.folder.name))
        self.relay = w.as_(OP_A)
        self.hosp = w.as_(HOSP)
        self.day = D0
        self.texts: dict[int, bytes] = {}
        self.consents: dict[int, tuple[str, int | None, Purpose, dt.date]] = {}  # id → reader, scope, purpose, last
        self.revoked: set[int] = set()
        self.served: list[tuple[str, int]] = []  # (reader address, record)
        self.new_record()

    def teardown(self) -> None:
        if hasattr(self, "folder"):
            self.folder.cleanup()

    # ------------------------------------------------------------------ rules

    @rule()
    def new_record(self) -> None:
        text = f"record {len(self.texts) + 1} of the patient, day {self.day}".encode()
        record, _, _ = service.put_record(self.hosp, self.store, self.secrets, self.w.p_home, text)
        self.texts[record] = text

    @rule(data=st.data())
    def grant(self, data: st.DataObject) -> None:
        reader = data.draw(st.sampled_from(sorted(READERS)))
        scope = data.draw(st.sampled_from([None, *sorted(self.texts)]))
        purpose = data.draw(st.sampled_from(CONSENT_PURPOSES))
        last = self.day + dt.timedelta(days=data.draw(st.integers(0, 6)))
        consent, _ = self.relay.grant_consent(PATIENT, self.w.p_home, READERS[reader].address, scope, purpose, last)
        self.consents[consent] = (READERS[reader].address, scope, purpose, last)

    @rule(data=st.data())
    def revoke(self, data: st.DataObject) -> None:
        live = sorted(set(self.consents) - self.revoked)
        if not live:
            return
        consent = data.draw(st.sampled_from(live))
        self.relay.revoke_consent(PATIENT, consent)
        self.revoked.add(consent)

    @rule(days=st.integers(1, 4))
    def days_pass(self, days: int) -> None:
        self.day += dt.timedelta(days=days)
        self.w.chain.set_next_timestamp(noon_cst(self.day))

    @rule(data=st.data())
    def rotate(self, data: st.DataObject) -> None:
        service.rotate(self.hosp, self.store, self.secrets, data.draw(st.sampled_from(sorted(self.texts))))

    @rule(data=st.data())
    def read(self, data: st.DataObject) -> None:
        if not self.consents:
            return
        consent = data.draw(st.sampled_from(sorted(self.consents)))
        grantee, scope, granted_for, _ = self.consents[consent]
        if data.draw(st.booleans()):  # the consent's own reader, record and purpose: a read that may be served
            reader = next(name for name, acct in READERS.items() if acct.address == grantee)
            record = scope or data.draw(st.sampled_from(sorted(self.texts)))
            purpose = granted_for
        else:
            reader = data.draw(st.sampled_from(sorted(READERS)))
            record = data.draw(st.sampled_from(sorted(self.texts)))
            purpose = data.draw(st.sampled_from(CONSENT_PURPOSES))
        address = READERS[reader].address
        expected = self._expected(consent, address, record, purpose)
        request = AccessRequest(record, address, purpose, AccessBasis.CONSENT, consent)
        SEEN[expected or "served"] = SEEN.get(expected or "served", 0) + 1
        try:
            plain, _ = service.read_record(self.w.as_(READERS[reader]), self.hosp, self.store, self.secrets, request)
        except ContractError as exc:
            assert exc.name == expected, (exc.name, expected)
            return
        assert expected is None, f"served, but the page says {expected}"
        assert plain == self.texts[record]
        self.served.append((address, record))

    def _expected(self, consent: int, reader: str, record: int, purpose: Purpose) -> str | None:
        """records.md's consent rule, as the page words it."""
        grantee, scope, granted_for, last = self.consents[consent]
        if grantee != reader or scope not in (None, record) or granted_for != purpose:
            return "ConsentMismatch"
        if consent in self.revoked or self.day > last:
            return "ConsentInactive"
        return None

    # ------------------------------------------------------------------ invariants

    @invariant()
    def consents_read_active_as_the_page_says(self) -> None:
        if not hasattr(self, "w"):
            return
        for consent, (_, _, _, last) in self.consents.items():
            want = consent not in self.revoked and self.day <= last
            assert self.w.ledger.consent_info(consent).active is want, consent

    @invariant()
    def the_trail_is_the_served_reads(self) -> None:
        if not hasattr(self, "w"):
            return
        rows = service.trail(self.w.ledger, self.w.p_home)
        assert [(r["reader"], r["record"]) for r in rows] == self.served


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_the_consent_and_trail_laws() -> None:
    RecordLaws.TestCase.settings = settings(max_examples=15, stateful_step_count=16, deadline=None,
                                            suppress_health_check=list(HealthCheck))
    SEEN.clear()
    BASE.append(_Base())
    try:
        RecordLaws.TestCase().runTest()
    finally:
        BASE.pop().close()
    assert {k for k, n in SEEN.items() if n} >= {"served", "ConsentMismatch", "ConsentInactive"}, SEEN
