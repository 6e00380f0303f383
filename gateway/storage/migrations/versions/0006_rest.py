"""data at rest: the key file the database belongs to, the audit log's high-water mark

Revision ID: 0006_rest
Revises: 0005
Create Date: 2026-11-25 23:40:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0006_rest'
down_revision = '0006_scope'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # one row: the fingerprint of the key file (never a key), recorded on first use
    op.create_table(
        'key_file_binding',
        sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('fingerprint', sa.String(length=64), nullable=False),
        sa.Column('bound_at', sa.DateTime(timezone=True), nullable=False),
        # values from before row binding (sd1:) may remain; false once all were rebound
        sa.Column('legacy_values', sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    # the newest audit entry's seq and hash under an HMAC (the key file's audit key)
    op.create_table(
        'audit_head',
        sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('seq', sa.Integer(), nullable=False),
        sa.Column('hash', sa.String(length=64), nullable=False),
        sa.Column('mac', sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )


def downgrade() -> None:
    op.drop_table('audit_head')
    op.drop_table('key_file_binding')
