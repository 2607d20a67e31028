"""the exchange after publication, yearly exemptions, kinds of exchange

An exchange record gets its kind, state (placed → serving → returned | stayed …), reporting
date, personnel relation, end, extensions and certificate; assessments and events (reporting,
no-shows and refusals with the bureau's decision, extensions, the end, the certificate) are rows
of their own. An outgoing teacher gets a kind of exchange.

Exemptions (暂不交流) belong to a year ("一年一认定", seed 000 篇一): the teachers' exemption
columns become rows of ``teacher_exemptions`` for the year of the latest round (the one they were
recorded for; without any round there is no year to give them and they are dropped, as no
round could have used them). Exchange records published before this revision become ``placed``
(awaiting the bureau's confirmation of reporting) while their term runs; one whose planned
return has passed becomes ``returned`` on that day, reported on the planned day (08-31 of its
year): the letters asked for that and nothing else was recorded.

Revision ID: 11d1c92f6b41
Revises: c49dc93c0e09
Create Date: 2026-12-06 16:21:45.682737

"""
import datetime as dt

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '11d1c92f6b41'
down_revision = 'c49dc93c0e09'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('teacher_exemptions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('teacher_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('approved', sa.Boolean(), nullable=False),
    sa.Column('until', sa.Date(), nullable=True),
    sa.Column('requested_at', sa.DateTime(), nullable=False),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['teacher_id'], ['teachers.id'], name=op.f('fk_teacher_exemptions_teacher_id_teachers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_teacher_exemptions')),
    sa.UniqueConstraint('teacher_id', 'year', name=op.f('uq_teacher_exemptions_teacher_id'))
    )
    with op.batch_alter_table('teacher_exemptions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_teacher_exemptions_teacher_id'), ['teacher_id'], unique=False)

    op.create_table('exchange_assessments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('school_year', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('grade', sa.String(length=16), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('graded_at', sa.DateTime(), nullable=False),
    sa.Column('graded_by', sa.String(length=64), nullable=False),
    sa.Column('reviewed_at', sa.DateTime(), nullable=True),
    sa.Column('review_note', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['record_id'], ['exchange_records.id'], name=op.f('fk_exchange_assessments_record_id_exchange_records')),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_exchange_assessments_school_id_schools')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exchange_assessments')),
    sa.UniqueConstraint('record_id', 'school_year', name=op.f('uq_exchange_assessments_record_id'))
    )
    with op.batch_alter_table('exchange_assessments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_exchange_assessments_record_id'), ['record_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_exchange_assessments_school_id'), ['school_id'], unique=False)

    op.create_table('exchange_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('occurred_on', sa.Date(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('decision', sa.String(length=16), nullable=False),
    sa.Column('decided_on', sa.Date(), nullable=True),
    sa.Column('consequences', sa.JSON(), nullable=False),
    sa.Column('barred_until', sa.Date(), nullable=True),
    sa.Column('actor', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['record_id'], ['exchange_records.id'], name=op.f('fk_exchange_events_record_id_exchange_records')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exchange_events'))
    )
    with op.batch_alter_table('exchange_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_exchange_events_record_id'), ['record_id'], unique=False)

    with op.batch_alter_table('exchange_records', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=16), server_default='full_time', nullable=False))
        batch_op.add_column(sa.Column('state', sa.String(length=16), server_default='placed', nullable=False))
        batch_op.add_column(sa.Column('reported_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('relation_moved', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('home_started_at', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('ended_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('extended_years', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('outcome_reason', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('certificate_no', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('certificate_issued_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('version', sa.Integer(), server_default='1', nullable=False))
        batch_op.create_index(batch_op.f('ix_exchange_records_from_school_id'), ['from_school_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_exchange_records_state'), ['state'], unique=False)
        batch_op.create_index(batch_op.f('ix_exchange_records_to_school_id'), ['to_school_id'], unique=False)
        batch_op.create_unique_constraint(batch_op.f('uq_exchange_records_certificate_no'), ['certificate_no'])

    with op.batch_alter_table('outgoing', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=16), server_default='full_time', nullable=False))

    _convert(op.get_bind())

    with op.batch_alter_table('teachers', schema=None) as batch_op:
        batch_op.drop_column('exemption_reason')
        batch_op.drop_column('exemption_approved')
        batch_op.drop_column('exemption')


def _convert(conn) -> None:
    meta = sa.MetaData()
    meta.reflect(conn, only=("teachers", "rounds", "teacher_exemptions", "exchange_records"))
    teachers, rounds = meta.tables["teachers"], meta.tables["rounds"]
    exemptions, records = meta.tables["teacher_exemptions"], meta.tables["exchange_records"]
    year = conn.execute(sa.select(sa.func.max(rounds.c.year))).scalar()
    if year is not None:
        rows = conn.execute(
            sa.select(teachers.c.id, teachers.c.exemption, teachers.c.exemption_reason, teachers.c.exemption_approved)
            .where(teachers.c.exemption != "")
        ).all()
        now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        for teacher_id, code, reason, approved in rows:
            conn.execute(
                sa.insert(exemptions).values(
                    teacher_id=teacher_id,
                    year=year,
                    code=code,
                    reason=reason or "",
                    approved=bool(approved),
                    until=None,
                    requested_at=now,
                    decided_at=now if approved else None,
                )
            )
    today = dt.date.today()
    for record_id, record_year, planned in conn.execute(
        sa.select(records.c.id, records.c.year, records.c.planned_return)
    ).all():
        if planned is not None and planned < today:
            conn.execute(
                sa.update(records)
                .where(records.c.id == record_id)
                .values(state="returned", reported_on=dt.date(record_year, 8, 31), ended_on=planned)
            )


def downgrade():
    with op.batch_alter_table('teachers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('exemption', sa.VARCHAR(length=32), server_default='', nullable=False))
        batch_op.add_column(sa.Column('exemption_approved', sa.BOOLEAN(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('exemption_reason', sa.TEXT(), server_default='', nullable=False))

    # The latest year's exemptions go back onto the teachers (earlier years had none there).
    conn = op.get_bind()
    meta = sa.MetaData()
    meta.reflect(conn, only=("teachers", "teacher_exemptions"))
    teachers, exemptions = meta.tables["teachers"], meta.tables["teacher_exemptions"]
    year = conn.execute(sa.select(sa.func.max(exemptions.c.year))).scalar()
    for teacher_id, code, reason, approved in conn.execute(
        sa.select(exemptions.c.teacher_id, exemptions.c.code, exemptions.c.reason, exemptions.c.approved).where(
            exemptions.c.year == year
        )
    ).all():
        conn.execute(
            sa.update(teachers)
            .where(teachers.c.id == teacher_id)
            .values(exemption=code, exemption_reason=reason, exemption_approved=approved)
        )

    with op.batch_alter_table('outgoing', schema=None) as batch_op:
        batch_op.drop_column('kind')

    with op.batch_alter_table('exchange_records', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_exchange_records_certificate_no'), type_='unique')
        batch_op.drop_index(batch_op.f('ix_exchange_records_to_school_id'))
        batch_op.drop_index(batch_op.f('ix_exchange_records_state'))
        batch_op.drop_index(batch_op.f('ix_exchange_records_from_school_id'))
        batch_op.drop_column('version')
        batch_op.drop_column('certificate_issued_on')
        batch_op.drop_column('certificate_no')
        batch_op.drop_column('outcome_reason')
        batch_op.drop_column('extended_years')
        batch_op.drop_column('ended_on')
        batch_op.drop_column('home_started_at')
        batch_op.drop_column('relation_moved')
        batch_op.drop_column('reported_on')
        batch_op.drop_column('state')
        batch_op.drop_column('kind')

    with op.batch_alter_table('exchange_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_exchange_events_record_id'))

    op.drop_table('exchange_events')
    with op.batch_alter_table('exchange_assessments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_exchange_assessments_school_id'))
        batch_op.drop_index(batch_op.f('ix_exchange_assessments_record_id'))

    op.drop_table('exchange_assessments')
    with op.batch_alter_table('teacher_exemptions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_teacher_exemptions_teacher_id'))

    op.drop_table('teacher_exemptions')
