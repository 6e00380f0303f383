"""someone else answered, cover reasons, the advocate's wait, voicemail reasons, working hours

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 23:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('participants', schema=None) as batch_op:
        # none | pause:DAYS; NULL = not yet discussed (the default, none, applies)
        batch_op.add_column(sa.Column('if_other_answers', sa.String(length=16), nullable=True))
        # the agreed reason for calling, said if someone else answers (encrypted)
        batch_op.add_column(sa.Column('cover_reason_enc', sa.Text(), nullable=True))
    with op.batch_alter_table('advocates', schema=None) as batch_op:
        # NULL = the agency's zone; [] = no working hours set (any time)
        batch_op.add_column(sa.Column('timezone', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('working_hours', sa.JSON(), nullable=False,
                                      server_default='[]'))
    with op.batch_alter_table('call_records', schema=None) as batch_op:
        batch_op.add_column(sa.Column('other_person_answered', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.add_column(sa.Column('advocate_wait_s', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('voicemail_reason', sa.String(length=48), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('call_records', schema=None) as batch_op:
        batch_op.drop_column('voicemail_reason')
        batch_op.drop_column('advocate_wait_s')
        batch_op.drop_column('other_person_answered')
    with op.batch_alter_table('advocates', schema=None) as batch_op:
        batch_op.drop_column('working_hours')
        batch_op.drop_column('timezone')
    with op.batch_alter_table('participants', schema=None) as batch_op:
        batch_op.drop_column('cover_reason_enc')
        batch_op.drop_column('if_other_answers')
