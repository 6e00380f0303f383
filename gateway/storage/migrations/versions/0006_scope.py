"""caseload: participants assigned to advocates (caseload scoping)

Revision ID: 0006_scope
Revises: 0005
Create Date: 2026-11-25 23:40:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0006_scope'
down_revision = '0006_access'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'caseload',
        sa.Column('participant_id', sa.String(length=32), nullable=False),
        sa.Column('advocate_id', sa.String(length=32), nullable=False),
        sa.Column('assigned_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['participant_id'], ['participants.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['advocate_id'], ['advocates.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('participant_id', 'advocate_id'),
    )
    with op.batch_alter_table('caseload', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_caseload_advocate_id'), ['advocate_id'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('caseload', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_caseload_advocate_id'))
    op.drop_table('caseload')
