"""relations as rows, job leases, publications

Preference lists and rankings were stored as text ("3,9,12" school ids; "12,15;9;31" bands of
teacher ids): they become rows with foreign keys (preference_entries, ranking_entries), and the
stored text is converted. Jobs get a lease and a lock; published rounds get their first
publication (the notice's rows, frozen).

Revision ID: 01a229f2d204
Revises: 1adfd8e1f8d7
Create Date: 2026-12-01 20:37:17.044335

"""
import datetime as dt

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "01a229f2d204"
down_revision = "1adfd8e1f8d7"
branch_labels = None
depends_on = None


def _ids(text):
    return [int(x) for x in text.split(",") if x.strip()] if text else []


def _groups(text):
    return [[int(x) for x in group.split(",") if x.strip()] for group in text.split(";") if group.strip()] if text else []


def upgrade():
    op.create_table(
        "preference_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("list_id", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(length=9), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.CheckConstraint("stage IN ('draft', 'submitted')", name=op.f("ck_preference_entries_stage")),
        sa.CheckConstraint("rank >= 1", name=op.f("ck_preference_entries_rank")),
        sa.ForeignKeyConstraint(
            ["list_id"],
            ["preference_lists.id"],
            name=op.f("fk_preference_entries_list_id_preference_lists"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["post_id"], ["posts.id"], name=op.f("fk_preference_entries_post_id_posts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_preference_entries")),
        sa.UniqueConstraint("list_id", "stage", "post_id", name="uq_preference_entries_post"),
        sa.UniqueConstraint("list_id", "stage", "rank", name="uq_preference_entries_rank"),
    )
    with op.batch_alter_table("preference_entries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_preference_entries_list_id"), ["list_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_preference_entries_post_id"), ["post_id"], unique=False)

    op.create_table(
        "ranking_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ranking_id", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(length=9), nullable=False),
        sa.Column("teacher_id", sa.Integer(), nullable=False),
        sa.Column("band", sa.Integer(), nullable=True),
        sa.CheckConstraint("stage IN ('draft', 'submitted')", name=op.f("ck_ranking_entries_stage")),
        sa.CheckConstraint("band IS NULL OR band >= 1", name=op.f("ck_ranking_entries_band")),
        sa.ForeignKeyConstraint(
            ["ranking_id"],
            ["post_rankings.id"],
            name=op.f("fk_ranking_entries_ranking_id_post_rankings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["teacher_id"], ["teachers.id"], name=op.f("fk_ranking_entries_teacher_id_teachers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ranking_entries")),
        sa.UniqueConstraint("ranking_id", "stage", "teacher_id", name=op.f("uq_ranking_entries_ranking_id")),
    )
    with op.batch_alter_table("ranking_entries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ranking_entries_ranking_id"), ["ranking_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_ranking_entries_teacher_id"), ["teacher_id"], unique=False)

    op.create_table(
        "publications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("published_at", sa.DateTime(), nullable=False),
        sa.Column("published_by", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("rows", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["round_id"], ["rounds.id"], name=op.f("fk_publications_round_id_rounds")),
        sa.ForeignKeyConstraint(["run_id"], ["runs.id"], name=op.f("fk_publications_run_id_runs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_publications")),
        sa.UniqueConstraint("round_id", "version", name=op.f("uq_publications_round_id")),
    )
    with op.batch_alter_table("publications", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_publications_round_id"), ["round_id"], unique=False)

    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("started_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("heartbeat_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("worker", sa.String(length=128), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("lock_key", sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_jobs_lock_key"), ["lock_key"])
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.alter_column("worker", server_default=None)

    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    with op.batch_alter_table("post_rankings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("updated_at", sa.DateTime(), nullable=True))
    with op.batch_alter_table("preference_lists", schema=None) as batch_op:
        batch_op.add_column(sa.Column("updated_at", sa.DateTime(), nullable=True))

    _convert(op.get_bind(), now)

    with op.batch_alter_table("post_rankings", schema=None) as batch_op:
        batch_op.alter_column("updated_at", existing_type=sa.DateTime(), nullable=False)
        batch_op.drop_column("submitted_unacceptable")
        batch_op.drop_column("groups")
        batch_op.drop_column("unacceptable")
        batch_op.drop_column("submitted_groups")
    with op.batch_alter_table("preference_lists", schema=None) as batch_op:
        batch_op.alter_column("updated_at", existing_type=sa.DateTime(), nullable=False)
        batch_op.drop_column("school_ids")
        batch_op.drop_column("submitted_school_ids")


def _convert(bind, now):
    """The stored text as rows; a school without a post of the teacher's subject (the run ignored
    it already) is left out, an unknown teacher in a ranking too."""
    posts = {
        (round_id, school_id, subject): post_id
        for post_id, round_id, school_id, subject in bind.execute(
            sa.text("SELECT id, round_id, school_id, subject FROM posts")
        )
    }
    subject = dict(bind.execute(sa.text("SELECT id, subject FROM teachers")).all())
    entries = []
    for list_id, round_id, teacher_id, draft, submitted, submitted_at in bind.execute(
        sa.text(
            "SELECT id, round_id, teacher_id, school_ids, submitted_school_ids, submitted_at FROM preference_lists"
        )
    ):
        stages = [("draft", draft)] + ([("submitted", submitted)] if submitted is not None else [])
        for stage, text in stages:
            rank = 0
            seen = set()
            for school_id in _ids(text):
                post_id = posts.get((round_id, school_id, subject.get(teacher_id)))
                if post_id is None or post_id in seen:
                    continue
                seen.add(post_id)
                rank += 1
                entries.append({"list_id": list_id, "stage": stage, "rank": rank, "post_id": post_id})
        bind.execute(
            sa.text("UPDATE preference_lists SET updated_at = :at WHERE id = :id"),
            {"at": submitted_at or now, "id": list_id},
        )
    if entries:
        bind.execute(
            sa.text(
                "INSERT INTO preference_entries (list_id, stage, rank, post_id) VALUES (:list_id, :stage, :rank, :post_id)"
            ),
            entries,
        )
    rows = []
    for ranking_id, groups, unacceptable, s_groups, s_unacceptable, submitted_at in bind.execute(
        sa.text(
            "SELECT id, groups, unacceptable, submitted_groups, submitted_unacceptable, submitted_at FROM post_rankings"
        )
    ):
        stages = [("draft", groups, unacceptable)]
        if s_groups is not None:
            stages.append(("submitted", s_groups, s_unacceptable))
        for stage, group_text, rejected_text in stages:
            seen = set()
            for band, group in enumerate(_groups(group_text), start=1):
                for teacher_id in group:
                    if teacher_id in subject and teacher_id not in seen:
                        seen.add(teacher_id)
                        rows.append({"ranking_id": ranking_id, "stage": stage, "teacher_id": teacher_id, "band": band})
            for teacher_id in _ids(rejected_text):
                if teacher_id in subject and teacher_id not in seen:
                    seen.add(teacher_id)
                    rows.append({"ranking_id": ranking_id, "stage": stage, "teacher_id": teacher_id, "band": None})
        bind.execute(
            sa.text("UPDATE post_rankings SET updated_at = :at WHERE id = :id"),
            {"at": submitted_at or now, "id": ranking_id},
        )
    if rows:
        bind.execute(
            sa.text(
                "INSERT INTO ranking_entries (ranking_id, stage, teacher_id, band) "
                "VALUES (:ranking_id, :stage, :teacher_id, :band)"
            ),
            rows,
        )
    _publish_published_rounds(bind, now)


def _publish_published_rounds(bind, now):
    """A round published before this revision gets its first publication: the notice as it reads today."""
    import json

    schools = {
        sid: (code, name) for sid, code, name in bind.execute(sa.text("SELECT id, code, name FROM schools"))
    }
    teachers = {
        tid: (no, name, subj, school)
        for tid, no, name, subj, school in bind.execute(
            sa.text("SELECT id, staff_no, name, subject, school_id FROM teachers")
        )
    }
    for round_id, published_at in bind.execute(
        sa.text("SELECT id, published_at FROM rounds WHERE state = 'published'")
    ).all():
        run_id = bind.execute(
            sa.text("SELECT id FROM runs WHERE round_id = :r AND kind = 'final' ORDER BY id DESC LIMIT 1"),
            {"r": round_id},
        ).scalar()
        if run_id is None:
            continue
        rows = []
        for teacher_id, school_id, how, rank in bind.execute(
            sa.text(
                "SELECT teacher_id, school_id, how, preference_rank FROM placements "
                "WHERE run_id = :run AND school_id IS NOT NULL"
            ),
            {"run": run_id},
        ):
            no, name, subj, home = teachers[teacher_id]
            rows.append(
                {
                    "teacher_id": teacher_id,
                    "staff_no": no,
                    "name": name,
                    "subject": subj,
                    "from_code": schools[home][0],
                    "from_name": schools[home][1],
                    "to_code": schools[school_id][0],
                    "to_name": schools[school_id][1],
                    "how": how,
                    "preference_rank": rank,
                }
            )
        rows.sort(key=lambda r: (r["from_code"], r["staff_no"]))
        bind.execute(
            sa.text(
                "INSERT INTO publications (round_id, run_id, version, published_at, published_by, reason, rows) "
                "VALUES (:round, :run, 1, :at, '', '', :rows)"
            ),
            {"round": round_id, "run": run_id, "at": published_at or now, "rows": json.dumps(rows, ensure_ascii=False)},
        )


def downgrade():
    with op.batch_alter_table("preference_lists", schema=None) as batch_op:
        batch_op.add_column(sa.Column("submitted_school_ids", sa.TEXT(), nullable=True))
        batch_op.add_column(sa.Column("school_ids", sa.TEXT(), nullable=False, server_default=""))
        batch_op.drop_column("updated_at")
    with op.batch_alter_table("post_rankings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("submitted_groups", sa.TEXT(), nullable=True))
        batch_op.add_column(sa.Column("unacceptable", sa.TEXT(), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("groups", sa.TEXT(), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("submitted_unacceptable", sa.TEXT(), nullable=True))
        batch_op.drop_column("updated_at")
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_jobs_lock_key"), type_="unique")
        batch_op.drop_column("lock_key")
        batch_op.drop_column("worker")
        batch_op.drop_column("heartbeat_at")
        batch_op.drop_column("started_at")
    with op.batch_alter_table("publications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_publications_round_id"))
    op.drop_table("publications")
    with op.batch_alter_table("ranking_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ranking_entries_teacher_id"))
        batch_op.drop_index(batch_op.f("ix_ranking_entries_ranking_id"))
    op.drop_table("ranking_entries")
    with op.batch_alter_table("preference_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_preference_entries_post_id"))
        batch_op.drop_index(batch_op.f("ix_preference_entries_list_id"))
    op.drop_table("preference_entries")
