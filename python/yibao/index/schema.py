"""The index's tables (SQLAlchemy Core): the ledger's events as rows, plus off-chain attributes.

One statement of the schema: the Alembic migrations (``yibao/index/migrations``) create
exactly these tables, and a test compares the migrated database with this metadata.

Conventions, so that the SQL of screening runs the same on SQLite and PostgreSQL:

* Dates are **day numbers** (``yibao.units`` day: days since 1970-01-01) in ``*_day``
  columns, months are ``year × 12 + month − 1`` in ``*_month`` columns, and for ages a claim
  has ``service_year``/``service_mmdd`` (month × 100 + day) and a person ``birth_year``/
  ``birth_mmdd``: all integer arithmetic, no dialect's date functions.
* Claim ids and pseudonyms are ``0x`` + 64 lower-case hex digits, accounts are checksum
  addresses, item codes are the codes as text.
* Every row read from the chain carries the ``block`` (and ``log_index``) it came from, so
  a reorg is rolled back by deleting the rows above the fork point; the few derived columns
  (a claim's current ``status``, ``fund``, ``reason``, ``epoch``) are recomputed from the
  remaining rows, and a consent's ``revoked_day`` is cleared when its ``revoked_block`` goes.
  Off-chain tables (``person_attributes``, ``item_restrictions``) and the findings
  (``leads``) have no block.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger, Boolean, Column, ForeignKey, Index, Integer, MetaData, SmallInteger, String, Table,
    UniqueConstraint
)

metadata = MetaData()

HEX32 = 66  #: "0x" + 64 hex digits
ADDRESS = 42

# --------------------------------------------------------------------- bookkeeping

meta = Table(
    "meta", metadata,
    Column("key", String(40), primary_key=True),
    Column("value", String(200), nullable=False),
)
"""``chain_id``, ``ledger`` (address), ``deploy_block``, ``last_block``: what the index is
bound to and how far it has read."""

blocks = Table(
    "blocks", metadata,
    Column("number", BigInteger, primary_key=True, autoincrement=False),
    Column("hash", String(HEX32), nullable=False),
    Column("timestamp", BigInteger, nullable=False),
)
"""Blocks the index read (those with ledger events, and the head of each run): their hashes
find the fork point after a reorg."""

# --------------------------------------------------------------------- registry

regions = Table(
    "regions", metadata,
    Column("code", Integer, primary_key=True, autoincrement=False),
    Column("name", String(200), nullable=False),
    Column("opening", BigInteger, nullable=False),
    Column("block", BigInteger, nullable=False),
)

institutions = Table(
    "institutions", metadata,
    Column("account", String(ADDRESS), primary_key=True),
    Column("idx", Integer, nullable=False, unique=True),  # the on-chain index (in a claim's word)
    Column("region", Integer, nullable=False),
    Column("level", SmallInteger, nullable=False),
    Column("grade", SmallInteger, nullable=False),  # at registration; changes in institution_changes
    Column("block", BigInteger, nullable=False),
)

institution_changes = Table(
    "institution_changes", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("account", String(ADDRESS), nullable=False, index=True),
    Column("kind", String(10), nullable=False),  # "status" or "grade"
    Column("from_value", SmallInteger, nullable=True),
    Column("to_value", SmallInteger, nullable=False),
    Column("reason", SmallInteger, nullable=True),
    Column("block", BigInteger, nullable=False, index=True),
    Column("log_index", Integer, nullable=False),
)

people = Table(
    "people", metadata,
    Column("pseudonym", String(HEX32), primary_key=True),
    Column("idx", Integer, nullable=False, unique=True),  # the member index (in a claim's word)
    Column("region", Integer, nullable=False),
    Column("scheme", SmallInteger, nullable=False),
    Column("coverage_from_day", Integer, nullable=False),
    Column("coverage_to_day", Integer, nullable=False),
    Column("block", BigInteger, nullable=False),
)

person_changes = Table(
    "person_changes", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("pseudonym", String(HEX32), nullable=False, index=True),
    Column("kind", String(10), nullable=False),  # "update", "status" or "wallet"
    Column("scheme", SmallInteger, nullable=True),
    Column("coverage_from_day", Integer, nullable=True),
    Column("coverage_to_day", Integer, nullable=True),
    Column("from_status", SmallInteger, nullable=True),
    Column("to_status", SmallInteger, nullable=True),
    Column("reason", SmallInteger, nullable=True),
    Column("wallet", String(ADDRESS), nullable=True),
    Column("block", BigInteger, nullable=False, index=True),
    Column("log_index", Integer, nullable=False),
)

person_attributes = Table(
    "person_attributes", metadata,
    Column("pseudonym", String(HEX32), primary_key=True),
    Column("sex", String(1), nullable=True),  # "M" or "F"
    Column("birth_day", Integer, nullable=True),
    Column("birth_year", Integer, nullable=True),
    Column("birth_mmdd", Integer, nullable=True),
)
"""Off chain: the registry operator's person attributes (from the enrolment CSV's optional
``sex`` and ``birth_date`` columns), joined to claims by pseudonym. Never on chain."""

filings = Table(
    "filings", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("pseudonym", String(HEX32), nullable=False, index=True),
    Column("region", Integer, nullable=False),
    Column("from_day", Integer, nullable=False),
    Column("to_day", Integer, nullable=False),
    Column("removed", Boolean, nullable=False),  # False: FilingAdded; True: FilingRemoved
    Column("expired", Boolean, nullable=False),  # of a removal: dropped as expired (not cancelled)
    Column("block", BigInteger, nullable=False, index=True),
    Column("log_index", Integer, nullable=False),
)

# --------------------------------------------------------------------- rules

policies = Table(
    "policies", metadata,
    Column("region", Integer, primary_key=True, autoincrement=False),
    Column("scheme", SmallInteger, primary_key=True, autoincrement=False),
    Column("idx", Integer, primary_key=True, autoincrement=False),
    Column("effective_from_day", Integer, nullable=False),
    Column("block", BigInteger, nullable=False, index=True),
)

catalogue = Table(
    "catalogue", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("region", Integer, nullable=False),
    Column("code", String(32), nullable=False),
    Column("removed", Boolean, nullable=False),  # a CatalogueItemRemoved row
    Column("category", SmallInteger, nullable=True),
    Column("price_cap", BigInteger, nullable=True),
    Column("inpatient_only", Boolean, nullable=True),
    Column("max_qty", Integer, nullable=True),
    Column("min_interval_days", Integer, nullable=True),
    Column("block", BigInteger, nullable=False, index=True),
    Column("log_index", Integer, nullable=False),
    Index("ix_catalogue_item", "region", "code"),
)
"""Every change of a catalogue item, in chain order: the item now is its last row (none if
that row is a removal)."""

item_restrictions = Table(
    "item_restrictions", metadata,
    Column("region", Integer, primary_key=True, autoincrement=False),
    Column("code", String(32), primary_key=True),
    Column("sex", String(1), nullable=True),
    Column("min_age", Integer, nullable=True),
    Column("max_age", Integer, nullable=True),
    Column("min_level", SmallInteger, nullable=True),
)
"""Off chain: restrictions of catalogue items (限定支付: sex, age range, institution level),
for screening only (adjudication v1 does not apply them)."""

# --------------------------------------------------------------------- claims

claims = Table(
    "claims", metadata,
    Column("claim_id", String(HEX32), primary_key=True),
    Column("institution", String(ADDRESS), nullable=False),
    Column("person", String(HEX32), nullable=False),
    Column("invoice", String(64), nullable=True),  # the invoice number when the word holds it raw
    Column("label", String(120), nullable=True),  # a name given by whoever indexes (a scenario's claim id)
    Column("visit", SmallInteger, nullable=False),
    Column("service_day", Integer, nullable=False),  # admission day of an inpatient claim
    Column("discharge_day", Integer, nullable=True),
    Column("service_month", Integer, nullable=False),
    Column("service_year", Integer, nullable=False),
    Column("service_mmdd", Integer, nullable=False),
    Column("documents", String(HEX32), nullable=True),
    Column("claimed_fund", BigInteger, nullable=True),
    # the decision at submission
    Column("decided_status", SmallInteger, nullable=False),
    Column("decided_reason", SmallInteger, nullable=False),
    Column("flags", SmallInteger, nullable=False),
    Column("billed", BigInteger, nullable=False),
    Column("eligible", BigInteger, nullable=False),
    Column("deductible", BigInteger, nullable=False),
    Column("decided_fund", BigInteger, nullable=False),
    # as it stands (derived from the rows of reviews, appeals, settlements and clawbacks)
    Column("status", SmallInteger, nullable=False),
    Column("reason", SmallInteger, nullable=False),
    Column("fund", BigInteger, nullable=False),
    Column("epoch", Integer, nullable=False),  # the settlement epoch its approved share belongs to
    Column("block", BigInteger, nullable=False, index=True),
    Column("log_index", Integer, nullable=False),
    Column("tx", String(HEX32), nullable=False),
    # Screening (yibao.index.screen) reads claims through these covering indexes, so that SQLite
    # answers from the index alone instead of one random table read per claim (1M claims: 116 s
    # without them, 38 s with). They replace ix_claims_person_day (person, service_day) and
    # ix_claims_institution_month (institution, service_month), which are their prefixes.
    Index("ix_claims_screen_person", "person", "service_day", "status", "visit", "institution",
          "discharge_day", "fund", "claim_id"),
    Index("ix_claims_screen_institution", "institution", "service_month", "status", "fund", "claim_id",
          "service_day"),
    Index("ix_claims_screen_id", "claim_id", "status", "person", "institution", "service_month",
          "service_year", "service_mmdd", "service_day", "fund"),
    Index("ix_claims_status", "status"),
)

claim_lines = Table(
    "claim_lines", metadata,
    Column("claim_id", String(HEX32), ForeignKey("claims.claim_id", ondelete="CASCADE"), primary_key=True),
    Column("line_no", SmallInteger, primary_key=True, autoincrement=False),
    Column("code", String(32), nullable=False),
    Column("qty", BigInteger, nullable=False),
    Column("unit_price", BigInteger, nullable=False),
    Column("billed", BigInteger, nullable=False),
    Column("eligible", BigInteger, nullable=False),
    Column("notes", SmallInteger, nullable=False),
    # covering index of screening's item rules (OVER_SUPPLY, RESTRICTED_ITEM, DUP_BILLING): the
    # lines of a code with their claim and quantity; replaces ix_claim_lines_code (code)
    Index("ix_claim_lines_screen_code", "code", "claim_id", "qty"),
)

alerts = Table(
    "alerts", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("claim_id", String(HEX32), nullable=True, index=True),  # NULL when the subject is a person
    Column("kind", SmallInteger, nullable=False),
    Column("institution", String(ADDRESS), nullable=False),
    Column("person", String(HEX32), nullable=True, index=True),  # the subject of an EMERGENCY_ACCESS
    Column("block", BigInteger, nullable=False, index=True),
    Column("log_index", Integer, nullable=False),
)
"""Every ``Alert`` event, DUPLICATE ones included (a duplicate's claim id is the original's).
An ``EMERGENCY_ACCESS`` alert is about a person, not a claim (its event's ``claimId`` is the
person's pseudonym): its row has ``claim_id`` NULL and the pseudonym in ``person``, so that
nothing that joins alerts to claims ever meets it."""

reviews = Table(
    "reviews", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("claim_id", String(HEX32), nullable=False, index=True),
    Column("reviewer", String(ADDRESS), nullable=False),
    Column("approved", Boolean, nullable=False),
    Column("appeal", Boolean, nullable=False),
    Column("reason", String(32), nullable=True),
    Column("evidence", String(HEX32), nullable=True),
    Column("fund", BigInteger, nullable=False),
    Column("block", BigInteger, nullable=False, index=True),
    Column("log_index", Integer, nullable=False),
    Column("tx", String(HEX32), nullable=False),
)

appeals = Table(
    "appeals", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("claim_id", String(HEX32), nullable=False, index=True),
    Column("institution", String(ADDRESS), nullable=False),
    Column("block", BigInteger, nullable=False, index=True),
    Column("log_index", Integer, nullable=False),
    Column("tx", String(HEX32), nullable=False),
)

settlements = Table(
    "settlements", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("institution", String(ADDRESS), nullable=False, index=True),
    Column("region", Integer, nullable=False),
    Column("epoch", Integer, nullable=False),
    Column("payable", BigInteger, nullable=False),
    Column("netted", BigInteger, nullable=False),
    Column("cash", BigInteger, nullable=False),
    Column("claims", Integer, nullable=False),
    Column("from_day", Integer, nullable=False),
    Column("to_day", Integer, nullable=False),
    Column("payment_ref", String(HEX32), nullable=True),
    Column("block", BigInteger, nullable=False, index=True),
    Column("log_index", Integer, nullable=False),
    Column("tx", String(HEX32), nullable=False),
    UniqueConstraint("institution", "epoch"),
)

cross_region = Table(
    "cross_region", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(8), nullable=False),  # "owed" (CrossRegionOwed), "reduced", "cleared"
    Column("home", Integer, nullable=False),  # for "cleared": the paying region (from)
    Column("treating", Integer, nullable=False),  # for "cleared": the paid region (to)
    Column("amount", BigInteger, nullable=False),
    Column("owed", BigInteger, nullable=False),  # what home still owes treating afterwards
    Column("block", BigInteger, nullable=False, index=True),
    Column("log_index", Integer, nullable=False),
)
"""Cross-region clearing (异地清算): shares owed, reduced by clawbacks, and cleared."""

clawbacks = Table(
    "clawbacks", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("claim_id", String(HEX32), nullable=False, index=True),
    Column("institution", String(ADDRESS), nullable=False),
    Column("amount", BigInteger, nullable=False),
    Column("reason", String(32), nullable=True),
    Column("evidence", String(HEX32), nullable=True),
    Column("block", BigInteger, nullable=False, index=True),
    Column("log_index", Integer, nullable=False),
    Column("tx", String(HEX32), nullable=False),
)

contributions = Table(
    "contributions", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("pseudonym", String(HEX32), nullable=False, index=True),
    Column("region", Integer, nullable=False),
    Column("amount", BigInteger, nullable=False),
    Column("block", BigInteger, nullable=False, index=True),
    Column("log_index", Integer, nullable=False),
)

freezes = Table(
    "freezes", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("institution", String(ADDRESS), nullable=False, index=True),
    Column("frozen", Boolean, nullable=False),
    Column("block", BigInteger, nullable=False, index=True),
    Column("log_index", Integer, nullable=False),
)

# --------------------------------------------------------------------- supervision (监管闭环)

supervision_params = Table(
    "supervision_params", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("region", Integer, nullable=False, index=True),
    Column("contest_days", Integer, nullable=False),
    Column("points_art38", Integer, nullable=False),
    Column("points_art40", Integer, nullable=False),
    Column("credit_base", Integer, nullable=False),
    Column("floor_a", Integer, nullable=False),
    Column("floor_b", Integer, nullable=False),
    Column("floor_c", Integer, nullable=False),
    Column("floor_d", Integer, nullable=False),
    Column("block", BigInteger, nullable=False, index=True),
    Column("log_index", Integer, nullable=False),
)
"""Every ``SupervisionParamsSet``: a region's parameters from that block on."""

cases = Table(
    "cases", metadata,
    Column("case_id", BigInteger, primary_key=True, autoincrement=False),
    Column("institution", String(ADDRESS), nullable=False, index=True),
    Column("opened_by", String(ADDRESS), nullable=False),
    Column("source", SmallInteger, nullable=False),
    Column("by_region", Integer, nullable=False),
    Column("evidence", String(HEX32), nullable=True),
    Column("claim_count", Integer, nullable=False),
    Column("block", BigInteger, nullable=False, index=True),
    Column("log_index", Integer, nullable=False),
    Column("tx", String(HEX32), nullable=False),
)
"""Every ``CaseOpened``; what happened to the case since is in ``case_steps``."""

case_claims = Table(
    "case_claims", metadata,
    Column("case_id", BigInteger, ForeignKey("cases.case_id", ondelete="CASCADE"), primary_key=True),
    Column("claim_id", String(HEX32), primary_key=True),
    Index("ix_case_claims_claim", "claim_id"),
)
"""The claims a case was opened on."""

case_found = Table(
    "case_found", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("case_id", BigInteger, nullable=False, index=True),
    Column("claim_id", String(HEX32), nullable=False, index=True),
    Column("block", BigInteger, nullable=False, index=True),
    Column("log_index", Integer, nullable=False),
)
"""Each claim a ``CaseFinding`` names (a claim named again is a row again): the found claims."""

case_steps = Table(
    "case_steps", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("case_id", BigInteger, nullable=False, index=True),
    # finding, decided, contested, ruled, closed; and finalize's claim_rejected, fine_owed, suspended, credit
    Column("kind", String(16), nullable=False),
    Column("actor", String(ADDRESS), nullable=True),  # who took the step (the institution for its own)
    Column("institution", String(ADDRESS), nullable=True),  # fine_owed, suspended, credit
    Column("code", String(32), nullable=True),  # finding
    Column("evidence", String(HEX32), nullable=True),  # finding
    Column("claim_id", String(HEX32), nullable=True, index=True),  # claim_rejected
    Column("article", SmallInteger, nullable=True),  # decided
    Column("fine_bps", Integer, nullable=True),  # decided, ruled
    Column("suspend_days", Integer, nullable=True),  # decided
    Column("upheld", Boolean, nullable=True),  # ruled
    Column("outcome", SmallInteger, nullable=True),  # closed
    Column("year", Integer, nullable=True),  # credit
    # decided: the loss; ruled: —; finding: claims newly found; claim_rejected: the fund share;
    # fine_owed: the fine
    Column("amount", BigInteger, nullable=True),
    Column("fine", BigInteger, nullable=True),  # decided, ruled
    # claim_rejected: the status before; fine_owed: fines owed after; suspended: the last day
    # (day number); credit: the score
    Column("value", BigInteger, nullable=True),
    Column("block", BigInteger, nullable=False, index=True),
    Column("log_index", Integer, nullable=False),
    Column("tx", String(HEX32), nullable=False),
)
"""Every step of every case after its opening, one row per event, in chain order."""

fine_payments = Table(
    "fine_payments", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("institution", String(ADDRESS), nullable=False, index=True),
    Column("actor", String(ADDRESS), nullable=False),
    Column("amount", BigInteger, nullable=False),
    Column("owed", BigInteger, nullable=False),  # still owed afterwards
    Column("payment_ref", String(HEX32), nullable=True),
    Column("block", BigInteger, nullable=False, index=True),
    Column("log_index", Integer, nullable=False),
    Column("tx", String(HEX32), nullable=False),
)

# --------------------------------------------------------------------- the patient's side (records.md)

records = Table(
    "records", metadata,
    Column("record", BigInteger, primary_key=True, autoincrement=False),
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("person", String(HEX32), nullable=False, index=True),
    Column("custodian", String(ADDRESS), nullable=False, index=True),
    Column("content_hash", String(HEX32), nullable=False, unique=True),
    Column("block", BigInteger, nullable=False, index=True),
    Column("log_index", Integer, nullable=False),
    Column("tx", String(HEX32), nullable=False),
)
"""Every version of every record: ``RecordPut`` is version 1, each ``RecordRotated`` the next
(its person and custodian those of the record); the record as it stands is its highest
version. The custodian's sealed data key is not stored: the index holds nothing secret."""

consents = Table(
    "consents", metadata,
    Column("consent_id", BigInteger, primary_key=True, autoincrement=False),
    Column("person", String(HEX32), nullable=False, index=True),
    Column("grantee", String(ADDRESS), nullable=False, index=True),
    Column("record", BigInteger, nullable=True),  # NULL: every record of the person, now and later
    Column("purpose", SmallInteger, nullable=False),
    Column("not_after_day", Integer, nullable=False),  # the last day it allows
    Column("relayer", String(ADDRESS), nullable=False),
    # derived: the ConsentRevoked's day and block (NULL while not revoked; a reorg above that
    # block sets both back to NULL)
    Column("revoked_day", Integer, nullable=True),
    Column("revoked_block", BigInteger, nullable=True, index=True),
    Column("block", BigInteger, nullable=False, index=True),
    Column("log_index", Integer, nullable=False),
    Column("tx", String(HEX32), nullable=False),
)
"""Every ``ConsentGranted``, with the day of its ``ConsentRevoked`` if any."""

record_accesses = Table(
    "record_accesses", metadata,
    Column("access_id", BigInteger, primary_key=True, autoincrement=False),
    Column("record", BigInteger, nullable=False, index=True),
    Column("person", String(HEX32), nullable=False, index=True),
    Column("reader", String(ADDRESS), nullable=False, index=True),
    Column("version", Integer, nullable=False),
    Column("purpose", SmallInteger, nullable=False),
    Column("basis", SmallInteger, nullable=False),
    Column("basis_id", BigInteger, nullable=False),  # the consent or the case; 0 for the other bases
    Column("block", BigInteger, nullable=False, index=True),
    Column("log_index", Integer, nullable=False),
    Column("tx", String(HEX32), nullable=False),
    Column("time", BigInteger, nullable=False),  # the block's unix time
)
"""Every ``RecordServed``: the data-use trail (数据使用留痕). The data key sealed to the reader is
not stored."""

emergencies = Table(
    "emergencies", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("person", String(HEX32), nullable=False, index=True),
    Column("institution", String(ADDRESS), nullable=False, index=True),
    Column("until", BigInteger, nullable=False),  # unix time the window ends
    Column("reason", String(32), nullable=True),
    Column("block", BigInteger, nullable=False, index=True),
    Column("log_index", Integer, nullable=False),
    Column("tx", String(HEX32), nullable=False),
)
"""Every ``EmergencyDeclared``."""

claim_feedback = Table(
    "claim_feedback", metadata,
    Column("claim_id", String(HEX32), primary_key=True),  # once per claim (FeedbackInvalid)
    Column("person", String(HEX32), nullable=False, index=True),
    Column("code", SmallInteger, nullable=False),  # yibao.model.types.Feedback: 1, 2 or 3
    Column("relayer", String(ADDRESS), nullable=False),
    Column("block", BigInteger, nullable=False, index=True),
    Column("log_index", Integer, nullable=False),
    Column("tx", String(HEX32), nullable=False),
)
"""Every ``ClaimFeedback``: the patient's word on a claim (2 and 3 are disputes, which
screening's PATIENT_DISPUTE reads)."""

# --------------------------------------------------------------------- findings

leads = Table(
    "leads", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("rule", String(20), nullable=False),
    Column("severity", String(8), nullable=False),
    Column("institution", String(ADDRESS), nullable=True),
    Column("person", String(HEX32), nullable=True),
    Column("claims_key", String(64), nullable=False),  # sha256 of the sorted claim ids, hex
    Column("claim_count", Integer, nullable=False),
    Column("amount", BigInteger, nullable=False),  # Σ fund of its claims when found
    Column("first_day", Integer, nullable=False),  # earliest service day of its claims
    Column("last_day", Integer, nullable=False),  # latest service day of its claims
    Column("found_at", BigInteger, nullable=False),  # unix time of the screening run that found it
    Column("status", String(10), nullable=False, server_default="OPEN"),  # OPEN, or CASE: a case took it up
    Column("case_id", BigInteger, nullable=True),  # the case that took it up
    UniqueConstraint("rule", "claims_key", name="uq_leads_rule_claims"),
)
"""A lead is stored once: the same rule and the same set of claims is the same lead."""

lead_claims = Table(
    "lead_claims", metadata,
    Column("lead_id", Integer, ForeignKey("leads.id", ondelete="CASCADE"), primary_key=True),
    Column("claim_id", String(HEX32), primary_key=True),
    Index("ix_lead_claims_claim", "claim_id"),
)

CHAIN_TABLES: tuple[Table, ...] = (
    blocks, regions, institutions, institution_changes, people, person_changes, filings, policies,
    catalogue, claims, claim_lines, alerts, reviews, appeals, settlements, cross_region, clawbacks,
    contributions, freezes, supervision_params, cases, case_claims, case_found, case_steps, fine_payments,
    records, consents, record_accesses, emergencies, claim_feedback,
)
"""Tables filled from the chain (each row has the block it came from; ``claim_lines`` and
``case_claims`` through their claim and case)."""

__all__ = [
    "ADDRESS",
    "CHAIN_TABLES",
    "HEX32",
    "alerts",
    "appeals",
    "blocks",
    "case_claims",
    "case_found",
    "case_steps",
    "cases",
    "catalogue",
    "claim_feedback",
    "claim_lines",
    "claims",
    "clawbacks",
    "consents",
    "contributions",
    "cross_region",
    "emergencies",
    "filings",
    "fine_payments",
    "freezes",
    "institution_changes",
    "institutions",
    "item_restrictions",
    "lead_claims",
    "leads",
    "meta",
    "metadata",
    "people",
    "person_attributes",
    "policies",
    "record_accesses",
    "records",
    "regions",
    "reviews",
    "settlements",
    "supervision_params",
]
