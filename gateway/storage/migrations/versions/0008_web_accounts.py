"""web accounts: usernames, password hashes, TOTP, web sessions, sign-in throttle

Revision ID: 0008_web_accounts
Revises: 0007_preference_macs
Create Date: 2026-11-27 09:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0008_web_accounts'
down_revision = '0007_preference_macs'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ALTER TABLE ADD COLUMN, never a batch "recreate": on SQLite a recreate drops
    # the old advocates table, and with foreign keys on that deletes every row that
    # cascades from it (API tokens, caseloads). So no expression defaults here ('0' is
    # a constant: false on SQLite and PostgreSQL alike).
    # Existing accounts have no web sign-in until an admin gives them a username.
    op.add_column('advocates', sa.Column('username', sa.String(length=32), nullable=True))
    op.add_column('advocates', sa.Column('password_hash', sa.Text(), nullable=True))
    op.add_column('advocates', sa.Column('password_one_time', sa.Boolean(),
                                         server_default='0', nullable=False))
    op.add_column('advocates', sa.Column('last_sign_in_at', sa.DateTime(timezone=True),
                                         nullable=True))
    op.add_column('advocates', sa.Column('totp_secret_enc', sa.Text(), nullable=True))
    op.add_column('advocates', sa.Column('totp_last_step', sa.Integer(), nullable=True))
    op.create_index(op.f('ix_advocates_username'), 'advocates', ['username'], unique=True)
    op.create_table(
        'web_sessions',
        sa.Column('id', sa.String(length=64), nullable=False),
        sa.Column('advocate_id', sa.String(length=32), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('end_reason', sa.String(length=32), nullable=True),
        sa.Column('second_factor_pending', sa.Boolean(), server_default='0',
                  nullable=False),
        sa.ForeignKeyConstraint(['advocate_id'], ['advocates.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index(op.f('ix_web_sessions_advocate_id'), 'web_sessions', ['advocate_id'],
                    unique=False)
    op.create_table(
        'sign_in_throttle',
        sa.Column('key', sa.String(length=64), nullable=False),
        sa.Column('failures', sa.Integer(), nullable=False),
        sa.Column('window_started_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('key'),
    )


def downgrade() -> None:
    op.drop_table('sign_in_throttle')
    op.drop_index(op.f('ix_web_sessions_advocate_id'), table_name='web_sessions')
    op.drop_table('web_sessions')
    op.drop_index(op.f('ix_advocates_username'), table_name='advocates')
    # Careful on SQLite: dropping columns recreates the advocates table; run a downgrade
    # with foreign keys off (PRAGMA foreign_keys=OFF) or tokens and caseloads cascade away.
    with op.batch_alter_table('advocates', schema=None) as batch_op:
        batch_op.drop_column('totp_last_step')
        batch_op.drop_column('totp_secret_enc')
        batch_op.drop_column('last_sign_in_at')
        batch_op.drop_column('password_one_time')
        batch_op.drop_column('password_hash')
        batch_op.drop_column('username')
