"""Record the kind of each outbox message, to pace links people ask for again

Revision ID: 0003_outbox_kind
Revises: 0002_people
Create Date: 2026-11-25
"""

from alembic import op
import sqlalchemy as sa

revision = "0003_outbox_kind"
down_revision = "0002_people"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kind", sa.String(length=60), nullable=True))
        batch_op.create_index("ix_outbox_messages_recipient", ["recipient", "created_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_messages_recipient")
        batch_op.drop_column("kind")
