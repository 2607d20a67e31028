"""The demo city: a Changzhou-like district of about 40 schools in 3 zones and 1,200 teachers.

Everything is drawn from one seeded generator, so every fresh demo database is the same.
Demo accounts exist only here: :func:`seed_demo` refuses to run on a database that has users.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
from sqlalchemy import func, select
from werkzeug.security import generate_password_hash

from algorithms.generate import SUBJECTS, school_names, teacher_names

from .accounts.services import create_school_accounts, create_teacher_accounts
from .auth.models import User
from .auth.services import create_user
from .core.audit import acting_as
from .extensions import db
from .preparation.lists import assess_school
from .preparation.models import Outgoing, Post
from .preparation.outgoing import apply_ordering_rule, volunteer
from .preparation.posts import confirm_post, propose_posts
from .preparation.quotas import school_quota
from .roster.bureau import bureau_settings, save_bureau
from .roster.models import ExchangeRecord, School, Teacher, TeacherExemption
from .roster.register import save_school_records, save_staffing_rows
from .rounds.services import create_round

DEMO_YEAR = 2027
TODAY = dt.date(2026, 9, 1)  # the roster as of this school year's start
ZONES = ["湖塘片区", "天宁片区", "钟楼片区"]
PASSWORDS = {"bureau": "Renshi-demo-2027", "school": "School-demo-2027", "teacher": "Teacher-demo-2027"}
HONOURS = ["市学科带头人", "市骨干教师", "市教学能手", "市教坛新秀", "区骨干教师"]


class DemoError(RuntimeError):
    pass


def _date(rng, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=int(rng.integers(0, max(1, (end - start).days))))


def seed_demo(seed: int = 2027) -> list[tuple[str, str, str]]:
    """Fill an empty database with the demo city; return the demo accounts (role, user, password)."""
    if db.session.scalar(select(func.count(User.id))):
        raise DemoError("the database already has accounts: the demo only fills an empty database")
    rng = np.random.default_rng(seed)
    with acting_as("demo"):
        names = school_names(40)
        tiers = rng.permutation(["strong"] * 9 + ["weak"] * 10 + ["ordinary"] * 21)
        # The register as a bureau would import it (the same service as 学校名册导入).
        register = [
            [
                "学校代码",
                "学校名称",
                "学段",
                "类别",
                "类别评定时间",
                "片区",
                "城乡类型",
                "教育集团或联盟",
                "是否核心校",
                "对口支援学校代码",
                "领导班子人数",
            ]
        ]
        for k in range(40):
            rural = bool(k % 3 == 2 and rng.random() < 0.6)
            alliance = f"{ZONES[k % 3][:2]}教育集团" if rng.random() < 0.4 else ""
            leaders = int(rng.integers(4, 8))
            register.append(
                [
                    f"S{k + 1:02d}",
                    names[k],
                    "初中" if k % 4 == 0 else ("九年一贯制" if k % 9 == 4 else "小学"),
                    {"strong": "优质", "ordinary": "一般", "weak": "薄弱"}[str(tiers[k])],
                    "2022-07-01" if k % 13 == 5 else "2025-07-01",  # a few ratings due again
                    ZONES[k % 3],
                    "农村" if rural else ("乡镇" if k % 3 == 2 else "城区"),
                    alliance,
                    "是" if alliance and k < 3 else "否",
                    f"S{k + 21:02d}" if tiers[k] == "strong" and k < 19 else "",  # 对口支援: strong with a far school
                    str(leaders),
                ]
            )
        save_school_records(register, today=TODAY)
        schools = list(db.session.scalars(select(School).order_by(School.code)))

        codes = list(SUBJECTS)
        share = np.array([SUBJECTS[c][1] for c in codes])
        n = 1200
        subject = rng.choice(len(codes), size=n, p=share / share.sum())
        home = rng.integers(0, 40, size=n)
        names_of_teachers = teacher_names(rng, n)
        teachers = []
        extra = np.random.default_rng(seed + 2)
        for i in range(n):
            gender = "F" if rng.random() < 0.62 else "M"
            age = int(rng.integers(24, 59 if gender == "M" else 55))
            birth = _date(rng, dt.date(TODAY.year - age - 1, 6, 1), dt.date(TODAY.year - age, 6, 1))
            career = max(0, age - 23)
            years_here = int(min(career, rng.gamma(2.0, 3.5)))
            # Teachers join a school at the start of a term: 1 September, or mid-February.
            started = (
                dt.date(TODAY.year - years_here, 9, 1)
                if rng.random() < 0.85 or years_here == 0
                else dt.date(TODAY.year - years_here + 1, 2, 15)
            )
            title = (
                "junior"
                if career < 5
                else ("intermediate" if career < 14 else ("senior" if rng.random() < 0.55 else "intermediate"))
            )
            if career > 28 and rng.random() < 0.05:
                title = "full_senior"
            title_date = (
                None
                if title == "none"
                else dt.date(
                    TODAY.year
                    - max(0, career - {"junior": 1, "intermediate": 6, "senior": 14, "full_senior": 26}[title]),
                    9,
                    1,
                )
            )
            backbone = bool(
                title in ("senior", "full_senior", "intermediate")
                and rng.random() < {"strong": 0.3, "ordinary": 0.15, "weak": 0.08}[schools[home[i]].tier]
            )
            teachers.append(
                Teacher(
                    staff_no=f"CZ{2000 + i:05d}",
                    name=names_of_teachers[i],
                    gender=gender,
                    birth_date=birth,
                    school_id=schools[home[i]].id,
                    subject=codes[subject[i]],
                    title=title,
                    title_date=title_date,
                    education="master"
                    if rng.random() < 0.18
                    else ("college" if age > 48 and rng.random() < 0.3 else "bachelor"),
                    honours=str(rng.choice(HONOURS)) if backbone else "",
                    backbone=backbone,
                    started_at_school=started,
                    leadership_role="副校长" if rng.random() < 0.02 else "",
                )
            )
            # Drawn from their own generator, so that the rest of the city stays as it was.
            if teachers[-1].leadership_role:
                years_in_post = int(extra.integers(1, 12))
                teachers[-1].leader_since = max(started, dt.date(TODAY.year - years_in_post, 9, 1))
            if title_date and title != "junior" and extra.random() < 0.8:
                # appointed to the title after qualifying, mostly the next year (高职低聘 now and then)
                teachers[-1].title_appointed_on = dt.date(title_date.year + int(extra.integers(1, 3)), 1, 1)
        exempt = rng.choice(n, size=12, replace=False)
        db.session.add_all(teachers)
        db.session.flush()
        for k, i in enumerate(exempt.tolist()):
            kind = ["pregnancy", "maternity", "illness", "family_hardship"][k % 4]
            if kind in ("pregnancy", "maternity") and (teachers[i].gender != "F" or teachers[i].birth_date.year < 1980):
                kind = "illness"  # pregnancy and maternity only for women of that age
            # 暂不交流 for this year only (一年一认定)
            db.session.add(
                TeacherExemption(
                    teacher_id=teachers[i].id,
                    year=DEMO_YEAR,
                    code=kind,
                    reason="本人申请，附相关证明",
                    approved=k % 3 != 0,
                )
            )
        db.session.flush()

        # Staffing by subject (编制): what is in post, with each school's establishment a little
        # above or below it, as a bureau's HR office would import it.
        staff_rng = np.random.default_rng(seed + 1)
        in_post: dict[tuple[str, str], int] = {}
        code_of = {s.id: s.code for s in schools}
        for t in teachers:
            key = (code_of[t.school_id], SUBJECTS[t.subject][0])
            in_post[key] = in_post.get(key, 0) + 1
        staffing = [["学校代码", "学科", "编制数", "在岗数"]]
        for (code, subject_name), count in sorted(in_post.items()):
            staffing.append([code, subject_name, str(max(0, count + int(staff_rng.integers(-2, 3)))), str(count)])
        save_staffing_rows(staffing)

        # Earlier exchanges on file (2021–2024, returned), so the history pages are not empty: the
        # teachers went back to their school in 2024 and their years there count from the return.
        veterans = [t for t in teachers if t.started_at_school <= dt.date(2018, 9, 1)][:30]
        for k, t in enumerate(veterans):
            other = schools[(schools.index(t.school) + 7) % 40]
            db.session.add(
                ExchangeRecord(
                    teacher_id=t.id,
                    year=2021,
                    from_school_id=t.school_id,
                    to_school_id=other.id,
                    kind="support" if k % 5 == 4 else "full_time",
                    term_years=3,
                    planned_return=dt.date(2024, 8, 31),
                    state="returned",
                    reported_on=dt.date(2021, 8, 31),
                    relation_moved=True,
                    home_started_at=t.started_at_school,
                    ended_on=dt.date(2024, 8, 31),
                )
            )
            t.started_at_school = dt.date(2024, 9, 1)

        round_ = create_round(DEMO_YEAR, f"{DEMO_YEAR}年度义务教育学校教师交流轮岗", "changzhou")
        # The outgoing lists as the schools make them, with the product's own rules: some of the
        # teachers who are due volunteer; 28 of the 40 schools have completed their list to the
        # quota by the ordering rule, the others are still collecting volunteers. Nobody on a list
        # is within 5 years of retirement, exempt, or a school leader, and no school lists more
        # or fewer than its quota once its list is complete.
        for k, school in enumerate(schools):
            assessed = assess_school(round_, school.id)
            due = [a.teacher for a in assessed if a.eligible and a.track == "teacher" and not a.exemption_pending]
            quota = school_quota(round_, school, assessed).quota or 0
            wanted = min(len(due), int(rng.integers(0, quota + 2)))
            for i in sorted(rng.choice(len(due), size=wanted, replace=False).tolist()) if wanted else []:
                volunteer(round_, due[i])
            if k % 10 < 7:
                apply_ordering_rule(round_, school)
        # Receiving posts: each school receives in a subject what it sends out (先流出再流入).
        propose_posts(round_)
        for post in db.session.scalars(select(Post).where(Post.round_id == round_.id, Post.seats > 0)):
            if rng.random() < 0.5:
                confirm_post(
                    post,
                    min_education="bachelor" if rng.random() < 0.3 else "",
                    min_title="",
                    honours="",
                    backbone_seats=0,
                )
        entries = list(db.session.scalars(select(Outgoing).where(Outgoing.round_id == round_.id)))
        outgoing = sorted({o.teacher for o in entries}, key=lambda t: t.staff_no)

        create_user("bureau", PASSWORDS["bureau"], "bureau", display_name="教育局人事处")
        # The bureau's details, as its 本局信息 page sets them once (the notice and letters print them).
        save_bureau(
            bureau_settings(),
            name="常州市天宁区教育局",
            department="人事科",
            phone="0519-88001234",
            address="天宁区局前街1号 人事科",
            document_prefix=f"天教人〔{DEMO_YEAR}〕",
        )
        # Accounts in bulk, as a bureau makes them (the same service as 账号管理), with the demo's
        # printed passwords instead of random ones, and no forced change at the first sign-in.
        create_school_accounts(schools, password_for=lambda _u: PASSWORDS["school"], must_change=False)
        create_teacher_accounts(outgoing, password_for=lambda _u: PASSWORDS["teacher"], must_change=False)
        # Those the ordering rule put on a list got an account without a password (the school
        # hands out their slips): in the demo, they sign in with the demo password too.
        demo_hash = generate_password_hash(PASSWORDS["teacher"])
        for user in db.session.scalars(select(User).where(User.teacher_id.in_([t.id for t in outgoing]))):
            user.password_hash, user.must_change_password = demo_hash, False
        db.session.flush()
    return demo_accounts()


def demo_accounts() -> list[tuple[str, str, str]]:
    """The demo accounts to print (role, user, password): the bureau, two schools, and three
    teachers on a final list whose subject other schools receive (they have schools to rank)."""
    from .preparation.lists import in_two_way_selection

    accounts = [("bureau", "bureau", PASSWORDS["bureau"])]
    accounts += [("school", code, PASSWORDS["school"]) for code in ("s01", "s02")]
    receiving = [(p.school_id, p.subject) for p in db.session.scalars(select(Post).where(Post.seats > 0))]
    rows = db.session.execute(
        select(User.username, Teacher)
        .join(Outgoing, Outgoing.teacher_id == User.teacher_id)
        .join(Teacher, Teacher.id == User.teacher_id)
        .where(User.role == "teacher", Outgoing.confirmed.is_(True))
        .order_by(Teacher.staff_no)
    ).all()
    shown = [
        username
        for username, t in rows
        if in_two_way_selection(t)
        and sum(1 for s, subject in receiving if subject == t.subject and s != t.school_id) >= 3
    ]
    return accounts + [("teacher", username, PASSWORDS["teacher"]) for username in shown[:3]]


def load_instance_round(doc: dict, year: int = 2027) -> int:
    """Load a generated instance (``matchapp generate``) as a closed round, for benchmarks and fault tests.

    Every teacher is outgoing and has submitted their list; every post has submitted its ranking.
    Returns the round's id.
    """
    from sqlalchemy import insert, select

    from matchapp.fair.models import PostRanking, PreferenceEntry, PreferenceList, RankingEntry

    db.session.execute(
        insert(School),
        [
            {"code": s["id"], "name": f"{s['name']}（{s['id']}）", "tier": s["tier"], "zone": s["zone"]}
            for s in doc["schools"]
        ],
    )
    school_id = dict(db.session.execute(select(School.code, School.id)).all())
    db.session.execute(
        insert(Teacher),
        [
            {
                "staff_no": t["id"],
                "name": t["name"],
                "gender": "F",
                "birth_date": dt.date(1985, 1, 1),
                "school_id": school_id[t["school"]],
                "subject": t["subject"],
                "backbone": t["backbone"],
                "started_at_school": dt.date(2015, 9, 1),
            }
            for t in doc["teachers"]
        ],
    )
    teacher_id = dict(db.session.execute(select(Teacher.staff_no, Teacher.id)).all())
    round_ = create_round(year, f"{year} (generated)", "changzhou", seed=doc["seed"])
    round_.policy = {**round_.policy, "min_selection_size": 1}
    round_.state = "fair_closed"
    db.session.flush()
    db.session.execute(
        insert(Outgoing),
        [
            {"round_id": round_.id, "teacher_id": teacher_id[t["id"]], "how": "rule", "confirmed": True}
            for t in doc["teachers"]
        ],
    )
    db.session.execute(
        insert(Post),
        [
            {
                "round_id": round_.id,
                "school_id": school_id[p["school"]],
                "subject": p["subject"],
                "seats": p["capacity"],
            }
            for p in doc["posts"]
        ],
    )
    post_id = {(s, subj): pid for pid, s, subj in db.session.execute(select(Post.id, Post.school_id, Post.subject))}
    submitted_at = dt.datetime(2027, 7, 2, 10)
    db.session.execute(
        insert(PreferenceList),
        [
            {
                "round_id": round_.id,
                "teacher_id": teacher_id[t["id"]],
                "version": 1,
                "submitted_at": submitted_at,
                "updated_at": submitted_at,
            }
            for t in doc["teachers"]
        ],
    )
    list_id = dict(
        db.session.execute(
            select(PreferenceList.teacher_id, PreferenceList.id).where(PreferenceList.round_id == round_.id)
        ).all()
    )
    subject = {t["id"]: t["subject"] for t in doc["teachers"]}
    entries = []
    for t in doc["teachers"]:
        for rank, code in enumerate(t["preferences"], start=1):
            post = post_id[(school_id[code], subject[t["id"]])]
            for stage in ("draft", "submitted"):
                entries.append({"list_id": list_id[teacher_id[t["id"]]], "stage": stage, "rank": rank, "post_id": post})
    if entries:
        db.session.execute(insert(PreferenceEntry), entries)
    ranked_at = dt.datetime(2027, 7, 2, 11)
    db.session.execute(
        insert(PostRanking),
        [
            {
                "post_id": post_id[(school_id[p["school"]], p["subject"])],
                "submitted_at": ranked_at,
                "updated_at": ranked_at,
                "version": 1,
            }
            for p in doc["posts"]
        ],
    )
    ranking_id = dict(db.session.execute(select(PostRanking.post_id, PostRanking.id)).all())
    rows = []
    for p in doc["posts"]:
        ranking = ranking_id[post_id[(school_id[p["school"]], p["subject"])]]
        for band, group in enumerate(p["ranking"], start=1):
            for staff in group if isinstance(group, list) else [group]:
                for stage in ("draft", "submitted"):
                    rows.append({"ranking_id": ranking, "stage": stage, "teacher_id": teacher_id[staff], "band": band})
    if rows:
        db.session.execute(insert(RankingEntry), rows)
    db.session.commit()
    return round_.id
