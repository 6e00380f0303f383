"""access: token public ids, expiry, last use and revocation

Revision ID: 0006_access
Revises: 0005
Create Date: 2026-11-25 23:40:00
"""

import secrets
from datetime import timedelta

from alembic import op
import sqlalchemy as sa


revision = '0006_access'
down_revision = '0005'
branch_labels = None
depends_on = None

#: Tokens issued before expiry existed get the default policy's lifetime from creation.
LEGACY_TOKEN_DAYS = 90


def upgrade() -> None:
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.add_column(sa.Column('public_id', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('last_used_at', sa.DateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_api_tokens_public_id'), ['public_id'],
                              unique=True)
    tokens = sa.table('api_tokens', sa.column('token_hash', sa.String()),
                      sa.column('created_at', sa.DateTime(timezone=True)),
                      sa.column('public_id', sa.String()),
                      sa.column('expires_at', sa.DateTime(timezone=True)))
    bind = op.get_bind()
    for token_hash, created_at in bind.execute(
            sa.select(tokens.c.token_hash, tokens.c.created_at)).all():
        bind.execute(tokens.update().where(tokens.c.token_hash == token_hash).values(
            public_id=f"tok_{secrets.token_hex(6)}",
            expires_at=created_at + timedelta(days=LEGACY_TOKEN_DAYS)))


def downgrade() -> None:
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_tokens_public_id'))
        batch_op.drop_column('revoked_at')
        batch_op.drop_column('last_used_at')
        batch_op.drop_column('expires_at')
        batch_op.drop_column('public_id')
