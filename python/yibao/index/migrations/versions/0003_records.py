"""The patient's side (issue 14, docs/rules/records.md): the tables of records and their
versions, consents, served accesses (the trail), emergency declarations and the patients'
feedback on claims; and alerts about a person (EMERGENCY_ACCESS: ``claim_id`` NULL, the
pseudonym in ``person``). Generated from :mod:`yibao.index.schema` with Alembic's autogenerate
against revision 0002; the change of ``alerts.claim_id`` runs in batch mode (SQLite copies
the table).

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

__all__ = ["downgrade", "upgrade"]


def upgrade() -> None:
    _create_records()
    _create_consents()
    _create_trail()
    with op.batch_alter_table("alerts") as batch:
        batch.add_column(sa.Column("person", sa.String(length=66), nullable=True))
        batch.alter_column("claim_id", existing_type=sa.String(length=66), nullable=True)
        batch.create_index(op.f("ix_alerts_person"), ["person"], unique=False)


def downgrade() -> None:
    op.execute("DELETE FROM alerts WHERE claim_id IS NULL")
    with op.batch_alter_table("alerts") as batch:
        batch.drop_index(op.f("ix_alerts_person"))
        batch.alter_column("claim_id", existing_type=sa.String(length=66), nullable=False)
        batch.drop_column("person")
    for table in ("records", "record_accesses", "emergencies", "consents", "claim_feedback"):
        op.drop_table(table)


def _create_records() -> None:
    op.create_table('records',
    sa.Column('record', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('version', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('person', sa.String(length=66), nullable=False),
    sa.Column('custodian', sa.String(length=42), nullable=False),
    sa.Column('content_hash', sa.String(length=66), nullable=False),
    sa.Column('block', sa.BigInteger(), nullable=False),
    sa.Column('log_index', sa.Integer(), nullable=False),
    sa.Column('tx', sa.String(length=66), nullable=False),
    sa.PrimaryKeyConstraint('record', 'version'),
    sa.UniqueConstraint('content_hash')
    )
    op.create_index(op.f('ix_records_block'), 'records', ['block'], unique=False)
    op.create_index(op.f('ix_records_custodian'), 'records', ['custodian'], unique=False)
    op.create_index(op.f('ix_records_person'), 'records', ['person'], unique=False)


def _create_consents() -> None:
    op.create_table('consents',
    sa.Column('consent_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('person', sa.String(length=66), nullable=False),
    sa.Column('grantee', sa.String(length=42), nullable=False),
    sa.Column('record', sa.BigInteger(), nullable=True),
    sa.Column('purpose', sa.SmallInteger(), nullable=False),
    sa.Column('not_after_day', sa.Integer(), nullable=False),
    sa.Column('relayer', sa.String(length=42), nullable=False),
    sa.Column('revoked_day', sa.Integer(), nullable=True),
    sa.Column('revoked_block', sa.BigInteger(), nullable=True),
    sa.Column('block', sa.BigInteger(), nullable=False),
    sa.Column('log_index', sa.Integer(), nullable=False),
    sa.Column('tx', sa.String(length=66), nullable=False),
    sa.PrimaryKeyConstraint('consent_id')
    )
    op.create_index(op.f('ix_consents_block'), 'consents', ['block'], unique=False)
    op.create_index(op.f('ix_consents_grantee'), 'consents', ['grantee'], unique=False)
    op.create_index(op.f('ix_consents_person'), 'consents', ['person'], unique=False)
    op.create_index(op.f('ix_consents_revoked_block'), 'consents', ['revoked_block'], unique=False)


def _create_trail() -> None:
    op.create_table('record_accesses',
    sa.Column('access_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('record', sa.BigInteger(), nullable=False),
    sa.Column('person', sa.String(length=66), nullable=False),
    sa.Column('reader', sa.String(length=42), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.SmallInteger(), nullable=False),
    sa.Column('basis', sa.SmallInteger(), nullable=False),
    sa.Column('basis_id', sa.BigInteger(), nullable=False),
    sa.Column('block', sa.BigInteger(), nullable=False),
    sa.Column('log_index', sa.Integer(), nullable=False),
    sa.Column('tx', sa.String(length=66), nullable=False),
    sa.Column('time', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('access_id')
    )
    op.create_index(op.f('ix_record_accesses_block'), 'record_accesses', ['block'], unique=False)
    op.create_index(op.f('ix_record_accesses_person'), 'record_accesses', ['person'], unique=False)
    op.create_index(op.f('ix_record_accesses_reader'), 'record_accesses', ['reader'], unique=False)
    op.create_index(op.f('ix_record_accesses_record'), 'record_accesses', ['record'], unique=False)
    op.create_table('emergencies',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('person', sa.String(length=66), nullable=False),
    sa.Column('institution', sa.String(length=42), nullable=False),
    sa.Column('until', sa.BigInteger(), nullable=False),
    sa.Column('reason', sa.String(length=32), nullable=True),
    sa.Column('block', sa.BigInteger(), nullable=False),
    sa.Column('log_index', sa.Integer(), nullable=False),
    sa.Column('tx', sa.String(length=66), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_emergencies_block'), 'emergencies', ['block'], unique=False)
    op.create_index(op.f('ix_emergencies_institution'), 'emergencies', ['institution'], unique=False)
    op.create_index(op.f('ix_emergencies_person'), 'emergencies', ['person'], unique=False)
    op.create_table('claim_feedback',
    sa.Column('claim_id', sa.String(length=66), nullable=False),
    sa.Column('person', sa.String(length=66), nullable=False),
    sa.Column('code', sa.SmallInteger(), nullable=False),
    sa.Column('relayer', sa.String(length=42), nullable=False),
    sa.Column('block', sa.BigInteger(), nullable=False),
    sa.Column('log_index', sa.Integer(), nullable=False),
    sa.Column('tx', sa.String(length=66), nullable=False),
    sa.PrimaryKeyConstraint('claim_id')
    )
    op.create_index(op.f('ix_claim_feedback_block'), 'claim_feedback', ['block'], unique=False)
    op.create_index(op.f('ix_claim_feedback_person'), 'claim_feedback', ['person'], unique=False)
