"""Supervision (issue 13): the tables of cases, their claims, steps and findings, fines paid and
the regions' supervision parameters, and the case that took a lead up (generated from
:mod:`yibao.index.schema` with Alembic's autogenerate against revision 0001).

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

__all__ = ["downgrade", "upgrade"]


def upgrade() -> None:
    _create_1()
    _create_2()


def downgrade() -> None:
    op.drop_column("leads", "case_id")
    op.drop_table('case_claims')
    op.drop_table('supervision_params')
    op.drop_table('fine_payments')
    op.drop_table('cases')
    op.drop_table('case_steps')
    op.drop_table('case_found')


def _create_1() -> None:
    op.create_table('case_found',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('case_id', sa.BigInteger(), nullable=False),
    sa.Column('claim_id', sa.String(length=66), nullable=False),
    sa.Column('block', sa.BigInteger(), nullable=False),
    sa.Column('log_index', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_case_found_block'), 'case_found', ['block'], unique=False)
    op.create_index(op.f('ix_case_found_case_id'), 'case_found', ['case_id'], unique=False)
    op.create_index(op.f('ix_case_found_claim_id'), 'case_found', ['claim_id'], unique=False)
    op.create_table('case_steps',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('case_id', sa.BigInteger(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('actor', sa.String(length=42), nullable=True),
    sa.Column('institution', sa.String(length=42), nullable=True),
    sa.Column('code', sa.String(length=32), nullable=True),
    sa.Column('evidence', sa.String(length=66), nullable=True),
    sa.Column('claim_id', sa.String(length=66), nullable=True),
    sa.Column('article', sa.SmallInteger(), nullable=True),
    sa.Column('fine_bps', sa.Integer(), nullable=True),
    sa.Column('suspend_days', sa.Integer(), nullable=True),
    sa.Column('upheld', sa.Boolean(), nullable=True),
    sa.Column('outcome', sa.SmallInteger(), nullable=True),
    sa.Column('year', sa.Integer(), nullable=True),
    sa.Column('amount', sa.BigInteger(), nullable=True),
    sa.Column('fine', sa.BigInteger(), nullable=True),
    sa.Column('value', sa.BigInteger(), nullable=True),
    sa.Column('block', sa.BigInteger(), nullable=False),
    sa.Column('log_index', sa.Integer(), nullable=False),
    sa.Column('tx', sa.String(length=66), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_case_steps_block'), 'case_steps', ['block'], unique=False)
    op.create_index(op.f('ix_case_steps_case_id'), 'case_steps', ['case_id'], unique=False)
    op.create_index(op.f('ix_case_steps_claim_id'), 'case_steps', ['claim_id'], unique=False)
    op.create_table('cases',
    sa.Column('case_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('institution', sa.String(length=42), nullable=False),
    sa.Column('opened_by', sa.String(length=42), nullable=False),
    sa.Column('source', sa.SmallInteger(), nullable=False),
    sa.Column('by_region', sa.Integer(), nullable=False),
    sa.Column('evidence', sa.String(length=66), nullable=True),
    sa.Column('claim_count', sa.Integer(), nullable=False),
    sa.Column('block', sa.BigInteger(), nullable=False),
    sa.Column('log_index', sa.Integer(), nullable=False),
    sa.Column('tx', sa.String(length=66), nullable=False),
    sa.PrimaryKeyConstraint('case_id')
    )


def _create_2() -> None:
    op.create_index(op.f('ix_cases_block'), 'cases', ['block'], unique=False)
    op.create_index(op.f('ix_cases_institution'), 'cases', ['institution'], unique=False)
    op.create_table('fine_payments',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('institution', sa.String(length=42), nullable=False),
    sa.Column('actor', sa.String(length=42), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('owed', sa.BigInteger(), nullable=False),
    sa.Column('payment_ref', sa.String(length=66), nullable=True),
    sa.Column('block', sa.BigInteger(), nullable=False),
    sa.Column('log_index', sa.Integer(), nullable=False),
    sa.Column('tx', sa.String(length=66), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_fine_payments_block'), 'fine_payments', ['block'], unique=False)
    op.create_index(op.f('ix_fine_payments_institution'), 'fine_payments', ['institution'], unique=False)
    op.create_table('supervision_params',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('region', sa.Integer(), nullable=False),
    sa.Column('contest_days', sa.Integer(), nullable=False),
    sa.Column('points_art38', sa.Integer(), nullable=False),
    sa.Column('points_art40', sa.Integer(), nullable=False),
    sa.Column('credit_base', sa.Integer(), nullable=False),
    sa.Column('floor_a', sa.Integer(), nullable=False),
    sa.Column('floor_b', sa.Integer(), nullable=False),
    sa.Column('floor_c', sa.Integer(), nullable=False),
    sa.Column('floor_d', sa.Integer(), nullable=False),
    sa.Column('block', sa.BigInteger(), nullable=False),
    sa.Column('log_index', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_supervision_params_block'), 'supervision_params', ['block'], unique=False)
    op.create_index(op.f('ix_supervision_params_region'), 'supervision_params', ['region'], unique=False)
    op.create_table('case_claims',
    sa.Column('case_id', sa.BigInteger(), nullable=False),
    sa.Column('claim_id', sa.String(length=66), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.case_id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('case_id', 'claim_id')
    )
    op.create_index('ix_case_claims_claim', 'case_claims', ['claim_id'], unique=False)
    op.add_column('leads', sa.Column('case_id', sa.BigInteger(), nullable=True))
