"""preference discussions: who recorded each agreed preference, and when

Revision ID: 0009_preference_discussions
Revises: 0008_web_accounts
Create Date: 2026-12-01 09:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0009_preference_discussions'
down_revision = '0008_web_accounts'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A new table only: existing preferences have no discussion on record (they show
    # as agreed, without a "discussed with" line) until an admin saves them again.
    op.create_table(
        'preference_discussions',
        sa.Column('participant_id', sa.String(length=32), nullable=False),
        sa.Column('preference', sa.String(length=32), nullable=False),
        sa.Column('discussed_by', sa.String(length=64), nullable=False),
        sa.Column('discussed_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['participant_id'], ['participants.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('participant_id', 'preference'),
    )


def downgrade() -> None:
    op.drop_table('preference_discussions')
