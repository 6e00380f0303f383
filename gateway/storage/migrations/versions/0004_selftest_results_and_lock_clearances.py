"""self-test results and lock clearances

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 20:40:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'selftest_results',
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('run_id', sa.String(length=36), nullable=False),
        sa.Column('mode', sa.String(length=16), nullable=False),
        sa.Column('verdict', sa.String(length=16), nullable=False),
        sa.Column('failed_check', sa.String(length=48), nullable=True),
        sa.Column('leaked_role', sa.String(length=48), nullable=True),
        sa.Column('sip_cause', sa.String(length=64), nullable=True),
        sa.Column('trigger', sa.String(length=16), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('selftest_results', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_selftest_results_run_id'), ['run_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_selftest_results_mode'), ['mode'], unique=False)
        batch_op.create_index(batch_op.f('ix_selftest_results_at'), ['at'], unique=False)
    op.create_table(
        'lock_clearances',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('mode', sa.String(length=16), nullable=False),
        sa.Column('actor', sa.String(length=64), nullable=False),
        sa.Column('cleared_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('lock_clearances', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lock_clearances_mode'), ['mode'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('lock_clearances', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lock_clearances_mode'))
    op.drop_table('lock_clearances')
    with op.batch_alter_table('selftest_results', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_selftest_results_at'))
        batch_op.drop_index(batch_op.f('ix_selftest_results_mode'))
        batch_op.drop_index(batch_op.f('ix_selftest_results_run_id'))
    op.drop_table('selftest_results')
