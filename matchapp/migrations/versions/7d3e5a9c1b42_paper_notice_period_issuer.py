"""paper: the notice's period, who issues the documents, the bureau's address

A publication keeps its 公示 period (first and last day) and the bureau's name, department,
phone, address and document prefix as they were when it was published; the bureau gets an
address (where objections are sent). Publications made before this keep their day of
publication as the first day of the period, no last day, and no frozen issuer (the documents
then show the bureau's current settings).

Revision ID: 7d3e5a9c1b42
Revises: c8c99044c2e3
Create Date: 2026-12-06 18:00:00.000000

"""
import datetime as dt
import os
from zoneinfo import ZoneInfo

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7d3e5a9c1b42'
down_revision = 'c8c99044c2e3'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('bureau', schema=None) as batch_op:
        batch_op.add_column(sa.Column('address', sa.String(length=128), server_default='', nullable=False))

    with op.batch_alter_table('publications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('notice_starts_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('notice_ends_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('issuer', sa.JSON(), nullable=True))

    # Existing publications: the period starts on the day they were published (in the bureau's zone).
    zone = ZoneInfo(os.environ.get('MATCHAPP_TIMEZONE', 'Asia/Shanghai'))
    publications = sa.table(
        'publications',
        sa.column('id', sa.Integer),
        sa.column('published_at', sa.DateTime),
        sa.column('notice_starts_on', sa.Date),
    )
    conn = op.get_bind()
    for row_id, published_at in conn.execute(sa.select(publications.c.id, publications.c.published_at)).all():
        if published_at is None:
            continue
        local = published_at.replace(tzinfo=dt.timezone.utc).astimezone(zone).date()
        conn.execute(
            publications.update().where(publications.c.id == row_id).values(notice_starts_on=local)
        )


def downgrade():
    with op.batch_alter_table('publications', schema=None) as batch_op:
        batch_op.drop_column('issuer')
        batch_op.drop_column('notice_ends_on')
        batch_op.drop_column('notice_starts_on')

    with op.batch_alter_table('bureau', schema=None) as batch_op:
        batch_op.drop_column('address')
