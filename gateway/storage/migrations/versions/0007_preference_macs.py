"""a MAC over each participant's preferences

Revision ID: 0007_preference_macs
Revises: 0006_rest
Create Date: 2026-11-26 00:15:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0007_preference_macs'
down_revision = '0006_rest'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('participants', schema=None) as batch_op:
        # NULL until the first audited change (or the seal when a key file is bound)
        batch_op.add_column(sa.Column('prefs_mac', sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('participants', schema=None) as batch_op:
        batch_op.drop_column('prefs_mac')
