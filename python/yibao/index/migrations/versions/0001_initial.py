"""The initial schema: exactly the tables of :mod:`yibao.index.schema` as of this revision
(generated from it with Alembic's autogenerate, split in parts of at most 80 lines).

Revision ID: 0001
Revises: (none)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

__all__ = ["downgrade", "upgrade"]


def upgrade() -> None:
    _create_1()
    _create_2()
    _create_3()
    _create_4()
    _create_5()
    _create_6()
    _create_7()


def downgrade() -> None:
    op.drop_table("lead_claims")
    op.drop_table("claim_lines")
    op.drop_table("settlements")
    op.drop_table("reviews")
    op.drop_table("regions")
    op.drop_table("policies")
    op.drop_table("person_changes")
    op.drop_table("person_attributes")
    op.drop_table("people")
    op.drop_table("meta")
    op.drop_table("leads")
    op.drop_table("item_restrictions")
    op.drop_table("institutions")
    op.drop_table("institution_changes")
    op.drop_table("freezes")
    op.drop_table("filings")
    op.drop_table("cross_region")
    op.drop_table("contributions")
    op.drop_table("clawbacks")
    op.drop_table("claims")
    op.drop_table("catalogue")
    op.drop_table("blocks")
    op.drop_table("appeals")
    op.drop_table("alerts")


def _create_1() -> None:
    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("claim_id", sa.String(length=66), nullable=False),
        sa.Column("kind", sa.SmallInteger(), nullable=False),
        sa.Column("institution", sa.String(length=42), nullable=False),
        sa.Column("block", sa.BigInteger(), nullable=False),
        sa.Column("log_index", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_alerts_block"), "alerts", ["block"], unique=False)
    op.create_index(op.f("ix_alerts_claim_id"), "alerts", ["claim_id"], unique=False)
    op.create_table(
        "appeals",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("claim_id", sa.String(length=66), nullable=False),
        sa.Column("institution", sa.String(length=42), nullable=False),
        sa.Column("block", sa.BigInteger(), nullable=False),
        sa.Column("log_index", sa.Integer(), nullable=False),
        sa.Column("tx", sa.String(length=66), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_appeals_block"), "appeals", ["block"], unique=False)
    op.create_index(op.f("ix_appeals_claim_id"), "appeals", ["claim_id"], unique=False)
    op.create_table(
        "blocks",
        sa.Column("number", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("hash", sa.String(length=66), nullable=False),
        sa.Column("timestamp", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("number"),
    )
    op.create_table(
        "catalogue",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("region", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("removed", sa.Boolean(), nullable=False),
        sa.Column("category", sa.SmallInteger(), nullable=True),
        sa.Column("price_cap", sa.BigInteger(), nullable=True),
        sa.Column("inpatient_only", sa.Boolean(), nullable=True),
        sa.Column("max_qty", sa.Integer(), nullable=True),
        sa.Column("min_interval_days", sa.Integer(), nullable=True),
        sa.Column("block", sa.BigInteger(), nullable=False),
        sa.Column("log_index", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_catalogue_block"), "catalogue", ["block"], unique=False)
    op.create_index("ix_catalogue_item", "catalogue", ["region", "code"], unique=False)


def _create_2() -> None:
    op.create_table(
        "claims",
        sa.Column("claim_id", sa.String(length=66), nullable=False),
        sa.Column("institution", sa.String(length=42), nullable=False),
        sa.Column("person", sa.String(length=66), nullable=False),
        sa.Column("invoice", sa.String(length=64), nullable=True),
        sa.Column("label", sa.String(length=120), nullable=True),
        sa.Column("visit", sa.SmallInteger(), nullable=False),
        sa.Column("service_day", sa.Integer(), nullable=False),
        sa.Column("discharge_day", sa.Integer(), nullable=True),
        sa.Column("service_month", sa.Integer(), nullable=False),
        sa.Column("service_year", sa.Integer(), nullable=False),
        sa.Column("service_mmdd", sa.Integer(), nullable=False),
        sa.Column("documents", sa.String(length=66), nullable=True),
        sa.Column("claimed_fund", sa.BigInteger(), nullable=True),
        sa.Column("decided_status", sa.SmallInteger(), nullable=False),
        sa.Column("decided_reason", sa.SmallInteger(), nullable=False),
        sa.Column("flags", sa.SmallInteger(), nullable=False),
        sa.Column("billed", sa.BigInteger(), nullable=False),
        sa.Column("eligible", sa.BigInteger(), nullable=False),
        sa.Column("deductible", sa.BigInteger(), nullable=False),
        sa.Column("decided_fund", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.SmallInteger(), nullable=False),
        sa.Column("reason", sa.SmallInteger(), nullable=False),
        sa.Column("fund", sa.BigInteger(), nullable=False),
        sa.Column("epoch", sa.Integer(), nullable=False),
        sa.Column("block", sa.BigInteger(), nullable=False),
        sa.Column("log_index", sa.Integer(), nullable=False),
        sa.Column("tx", sa.String(length=66), nullable=False),
        sa.PrimaryKeyConstraint("claim_id"),
    )
    op.create_index(op.f("ix_claims_block"), "claims", ["block"], unique=False)
    op.create_index(
        "ix_claims_screen_id",
        "claims",
        [
            "claim_id",
            "status",
            "person",
            "institution",
            "service_month",
            "service_year",
            "service_mmdd",
            "service_day",
            "fund",
        ],
        unique=False,
    )
    op.create_index(
        "ix_claims_screen_institution",
        "claims",
        ["institution", "service_month", "status", "fund", "claim_id", "service_day"],
        unique=False,
    )
    op.create_index(
        "ix_claims_screen_person",
        "claims",
        ["person", "service_day", "status", "visit", "institution", "discharge_day", "fund", "claim_id"],
        unique=False,
    )
    op.create_index("ix_claims_status", "claims", ["status"], unique=False)
    op.create_table(
        "clawbacks",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("claim_id", sa.String(length=66), nullable=False),
        sa.Column("institution", sa.String(length=42), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=True),
        sa.Column("evidence", sa.String(length=66), nullable=True),
        sa.Column("block", sa.BigInteger(), nullable=False),
        sa.Column("log_index", sa.Integer(), nullable=False),
        sa.Column("tx", sa.String(length=66), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_clawbacks_block"), "clawbacks", ["block"], unique=False)
    op.create_index(op.f("ix_clawbacks_claim_id"), "clawbacks", ["claim_id"], unique=False)


def _create_3() -> None:
    op.create_table(
        "contributions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("pseudonym", sa.String(length=66), nullable=False),
        sa.Column("region", sa.Integer(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("block", sa.BigInteger(), nullable=False),
        sa.Column("log_index", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_contributions_block"), "contributions", ["block"], unique=False)
    op.create_index(op.f("ix_contributions_pseudonym"), "contributions", ["pseudonym"], unique=False)
    op.create_table(
        "cross_region",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("home", sa.Integer(), nullable=False),
        sa.Column("treating", sa.Integer(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("owed", sa.BigInteger(), nullable=False),
        sa.Column("block", sa.BigInteger(), nullable=False),
        sa.Column("log_index", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_cross_region_block"), "cross_region", ["block"], unique=False)
    op.create_table(
        "filings",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("pseudonym", sa.String(length=66), nullable=False),
        sa.Column("region", sa.Integer(), nullable=False),
        sa.Column("from_day", sa.Integer(), nullable=False),
        sa.Column("to_day", sa.Integer(), nullable=False),
        sa.Column("removed", sa.Boolean(), nullable=False),
        sa.Column("expired", sa.Boolean(), nullable=False),
        sa.Column("block", sa.BigInteger(), nullable=False),
        sa.Column("log_index", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_filings_block"), "filings", ["block"], unique=False)
    op.create_index(op.f("ix_filings_pseudonym"), "filings", ["pseudonym"], unique=False)
    op.create_table(
        "freezes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("institution", sa.String(length=42), nullable=False),
        sa.Column("frozen", sa.Boolean(), nullable=False),
        sa.Column("block", sa.BigInteger(), nullable=False),
        sa.Column("log_index", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_freezes_block"), "freezes", ["block"], unique=False)
    op.create_index(op.f("ix_freezes_institution"), "freezes", ["institution"], unique=False)


def _create_4() -> None:
    op.create_table(
        "institution_changes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("account", sa.String(length=42), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("from_value", sa.SmallInteger(), nullable=True),
        sa.Column("to_value", sa.SmallInteger(), nullable=False),
        sa.Column("reason", sa.SmallInteger(), nullable=True),
        sa.Column("block", sa.BigInteger(), nullable=False),
        sa.Column("log_index", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_institution_changes_account"), "institution_changes", ["account"], unique=False)
    op.create_index(op.f("ix_institution_changes_block"), "institution_changes", ["block"], unique=False)
    op.create_table(
        "institutions",
        sa.Column("account", sa.String(length=42), nullable=False),
        sa.Column("idx", sa.Integer(), nullable=False),
        sa.Column("region", sa.Integer(), nullable=False),
        sa.Column("level", sa.SmallInteger(), nullable=False),
        sa.Column("grade", sa.SmallInteger(), nullable=False),
        sa.Column("block", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("account"),
        sa.UniqueConstraint("idx"),
    )
    op.create_table(
        "item_restrictions",
        sa.Column("region", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("sex", sa.String(length=1), nullable=True),
        sa.Column("min_age", sa.Integer(), nullable=True),
        sa.Column("max_age", sa.Integer(), nullable=True),
        sa.Column("min_level", sa.SmallInteger(), nullable=True),
        sa.PrimaryKeyConstraint("region", "code"),
    )
    op.create_table(
        "leads",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("rule", sa.String(length=20), nullable=False),
        sa.Column("severity", sa.String(length=8), nullable=False),
        sa.Column("institution", sa.String(length=42), nullable=True),
        sa.Column("person", sa.String(length=66), nullable=True),
        sa.Column("claims_key", sa.String(length=64), nullable=False),
        sa.Column("claim_count", sa.Integer(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("first_day", sa.Integer(), nullable=False),
        sa.Column("last_day", sa.Integer(), nullable=False),
        sa.Column("found_at", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=10), server_default="OPEN", nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("rule", "claims_key", name="uq_leads_rule_claims"),
    )


def _create_5() -> None:
    op.create_table(
        "meta",
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_table(
        "people",
        sa.Column("pseudonym", sa.String(length=66), nullable=False),
        sa.Column("idx", sa.Integer(), nullable=False),
        sa.Column("region", sa.Integer(), nullable=False),
        sa.Column("scheme", sa.SmallInteger(), nullable=False),
        sa.Column("coverage_from_day", sa.Integer(), nullable=False),
        sa.Column("coverage_to_day", sa.Integer(), nullable=False),
        sa.Column("block", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("pseudonym"),
        sa.UniqueConstraint("idx"),
    )
    op.create_table(
        "person_attributes",
        sa.Column("pseudonym", sa.String(length=66), nullable=False),
        sa.Column("sex", sa.String(length=1), nullable=True),
        sa.Column("birth_day", sa.Integer(), nullable=True),
        sa.Column("birth_year", sa.Integer(), nullable=True),
        sa.Column("birth_mmdd", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("pseudonym"),
    )
    op.create_table(
        "person_changes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("pseudonym", sa.String(length=66), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("scheme", sa.SmallInteger(), nullable=True),
        sa.Column("coverage_from_day", sa.Integer(), nullable=True),
        sa.Column("coverage_to_day", sa.Integer(), nullable=True),
        sa.Column("from_status", sa.SmallInteger(), nullable=True),
        sa.Column("to_status", sa.SmallInteger(), nullable=True),
        sa.Column("reason", sa.SmallInteger(), nullable=True),
        sa.Column("wallet", sa.String(length=42), nullable=True),
        sa.Column("block", sa.BigInteger(), nullable=False),
        sa.Column("log_index", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_person_changes_block"), "person_changes", ["block"], unique=False)
    op.create_index(op.f("ix_person_changes_pseudonym"), "person_changes", ["pseudonym"], unique=False)
    op.create_table(
        "policies",
        sa.Column("region", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("scheme", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("idx", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("effective_from_day", sa.Integer(), nullable=False),
        sa.Column("block", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("region", "scheme", "idx"),
    )
    op.create_index(op.f("ix_policies_block"), "policies", ["block"], unique=False)


def _create_6() -> None:
    op.create_table(
        "regions",
        sa.Column("code", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("opening", sa.BigInteger(), nullable=False),
        sa.Column("block", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("code"),
    )
    op.create_table(
        "reviews",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("claim_id", sa.String(length=66), nullable=False),
        sa.Column("reviewer", sa.String(length=42), nullable=False),
        sa.Column("approved", sa.Boolean(), nullable=False),
        sa.Column("appeal", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=True),
        sa.Column("evidence", sa.String(length=66), nullable=True),
        sa.Column("fund", sa.BigInteger(), nullable=False),
        sa.Column("block", sa.BigInteger(), nullable=False),
        sa.Column("log_index", sa.Integer(), nullable=False),
        sa.Column("tx", sa.String(length=66), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_reviews_block"), "reviews", ["block"], unique=False)
    op.create_index(op.f("ix_reviews_claim_id"), "reviews", ["claim_id"], unique=False)
    op.create_table(
        "settlements",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("institution", sa.String(length=42), nullable=False),
        sa.Column("region", sa.Integer(), nullable=False),
        sa.Column("epoch", sa.Integer(), nullable=False),
        sa.Column("payable", sa.BigInteger(), nullable=False),
        sa.Column("netted", sa.BigInteger(), nullable=False),
        sa.Column("cash", sa.BigInteger(), nullable=False),
        sa.Column("claims", sa.Integer(), nullable=False),
        sa.Column("from_day", sa.Integer(), nullable=False),
        sa.Column("to_day", sa.Integer(), nullable=False),
        sa.Column("payment_ref", sa.String(length=66), nullable=True),
        sa.Column("block", sa.BigInteger(), nullable=False),
        sa.Column("log_index", sa.Integer(), nullable=False),
        sa.Column("tx", sa.String(length=66), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("institution", "epoch"),
    )
    op.create_index(op.f("ix_settlements_block"), "settlements", ["block"], unique=False)
    op.create_index(op.f("ix_settlements_institution"), "settlements", ["institution"], unique=False)


def _create_7() -> None:
    op.create_table(
        "claim_lines",
        sa.Column("claim_id", sa.String(length=66), nullable=False),
        sa.Column("line_no", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("qty", sa.BigInteger(), nullable=False),
        sa.Column("unit_price", sa.BigInteger(), nullable=False),
        sa.Column("billed", sa.BigInteger(), nullable=False),
        sa.Column("eligible", sa.BigInteger(), nullable=False),
        sa.Column("notes", sa.SmallInteger(), nullable=False),
        sa.ForeignKeyConstraint(["claim_id"], ["claims.claim_id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("claim_id", "line_no"),
    )
    op.create_index("ix_claim_lines_screen_code", "claim_lines", ["code", "claim_id", "qty"], unique=False)
    op.create_table(
        "lead_claims",
        sa.Column("lead_id", sa.Integer(), nullable=False),
        sa.Column("claim_id", sa.String(length=66), nullable=False),
        sa.ForeignKeyConstraint(["lead_id"], ["leads.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("lead_id", "claim_id"),
    )
    op.create_index("ix_lead_claims_claim", "lead_claims", ["claim_id"], unique=False)
