"""跨校竞聘: the receiving school's assessment scores, and the ranking that follows them.

Seed 003 五(三): "缺编学校组织竞聘考核，确定岗位最终聘任人选". Each applicant to a post gets a teaching
test score (说课/试讲) and an interview score (面试), 0 to 100 with at most one decimal, or a verdict
that rules them out (不合格 failed, 缺考 absent: marked 不接受, so the administrative assignment
never places them there either). Submitting the scores writes the post's ranking, as if the
school had typed it: the higher the total (the two scores added), the better; equal totals are
one band (a tie, which the published lottery breaks as at the fair).

A score sheet may be imported (.xlsx or .csv) with the same bounded reader and problem report as
the roster: every problem named by row and column, and nothing written unless the whole sheet is
right.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select

from ..core.audit import record_change
from ..core.clock import utcnow
from ..core.imports import Header, ImportRefused, ImportReport, Problem, read_rows, template_bytes
from ..extensions import db
from ..preparation.models import Post
from ..roster.models import Teacher
from ..rounds.states import require
from .models import AssessmentScore, PostRanking, saved_as
from .rankings import _replace, post_ranking, split_candidates
from .window import FairError

MAX_SCORE = 100
#: Bounds of a score sheet: a post has at most a few hundred applicants.
MAX_ROWS = 5_000
MAX_COLUMNS = 20
VERDICTS = {"": "", "合格": "", "不合格": "fail", "缺考": "absent", "fail": "fail", "absent": "absent"}
COLUMNS: dict[str, tuple[str, bool]] = {
    "工号": ("staff_no", True),
    "姓名": ("name", False),
    "说课/试讲成绩": ("teaching", False),
    "面试成绩": ("interview", False),
    "考核结论": ("verdict", False),
}
_SCORE = re.compile(r"^\d{1,3}(\.\d)?$")


@dataclass(frozen=True)
class Score:
    """One applicant's assessment as typed: scores in tenths, or a verdict."""

    teaching: int | None = None
    interview: int | None = None
    verdict: str = ""  # "" | fail | absent

    @property
    def total(self) -> int | None:
        if self.verdict or self.teaching is None or self.interview is None:
            return None
        return self.teaching + self.interview


def parse_score(text: str) -> int | None:
    """A score as typed (``87``, ``87.5``) in tenths; ``None`` if it is not one from 0 to 100.

    >>> parse_score("87.5"), parse_score("100"), parse_score("100.5"), parse_score("8.75")
    (875, 1000, None, None)
    """
    text = (text or "").strip()
    if not _SCORE.match(text):
        return None
    value = round(float(text) * 10)
    return value if 0 <= value <= MAX_SCORE * 10 else None


def tenths(value: int | None) -> str:
    """Tenths as a score is written: 875 -> "87.5", 870 -> "87"."""
    if value is None:
        return ""
    return str(value // 10) if value % 10 == 0 else f"{value // 10}.{value % 10}"


def scores_of(post: Post) -> dict[int, AssessmentScore]:
    return {
        s.teacher_id: s for s in db.session.scalars(select(AssessmentScore).where(AssessmentScore.post_id == post.id))
    }


def bands_from_scores(scores: dict[int, Score]) -> tuple[list[list[int]], set[int]]:
    """The ranking the scores give: bands of teacher ids, highest total first (equal totals one
    band), and the teachers ruled out (a verdict).

    >>> bands_from_scores({1: Score(800, 90), 2: Score(850, 40), 3: Score(700, 100), 4: Score(verdict="absent")})
    ([[1, 2], [3]], {4})
    """
    totals: dict[int, list[int]] = {}
    out = set()
    for tid, score in scores.items():
        if score.verdict:
            out.add(tid)
        elif score.total is not None:
            totals.setdefault(score.total, []).append(tid)
    return [sorted(totals[t]) for t in sorted(totals, reverse=True)], out


def save_scores(
    post: Post, entries: dict[int, Score], submit: bool, now: dt.datetime | None = None
) -> PostRanking | None:
    """Save a post's scores (the applicants' given in ``entries``); with ``submit``, every
    applicant must have both scores or a verdict, and the post's ranking is written from them."""
    round_ = post.round
    require(round_, "score")
    now = now or utcnow()
    rankable, unqualified = split_candidates(post)
    allowed = {t.id: t for t in rankable}
    strangers = sorted(set(entries) - set(allowed))
    if strangers:
        ineligible = {t.id: t for t, _why in unqualified}
        name = ineligible[strangers[0]].name if strangers[0] in ineligible else str(strangers[0])
        raise FairError(_("只能为符合岗位要求的本岗位申请者录入成绩（%(name)s不是）。", name=name))
    stored = scores_of(post)
    before = {tid: [s.teaching, s.interview, s.verdict] for tid, s in stored.items()}
    for tid, score in entries.items():
        row = stored.get(tid)
        if row is None:
            row = stored[tid] = AssessmentScore(post_id=post.id, teacher_id=tid)
            db.session.add(row)
        row.teaching, row.interview, row.verdict, row.updated_at = score.teaching, score.interview, score.verdict, now
    if submit:
        missing = [allowed[tid].name for tid in sorted(allowed) if tid not in stored or _incomplete(stored[tid])]
        if missing:
            raise FairError(
                _("以下申请者尚无完整成绩（或缺考、不合格的结论）：%(names)s。", names="、".join(missing[:10]))
            )
    db.session.flush()
    record_change(
        "assessment_scores",
        post.id,
        before or None,
        {tid: [s.teaching, s.interview, s.verdict] for tid, s in stored.items()},
        "update" if before else "insert",
    )
    if not submit:
        return None
    return _write_ranking(
        post, {tid: Score(s.teaching, s.interview, s.verdict) for tid, s in stored.items() if tid in allowed}, now
    )


def _incomplete(row: AssessmentScore) -> bool:
    return not row.verdict and (row.teaching is None or row.interview is None)


def _write_ranking(post: Post, scores: dict[int, Score], now: dt.datetime) -> PostRanking:
    """The post's ranking from the scores, in both stages (what was submitted is what is run)."""
    bands, out = bands_from_scores(scores)
    ranking = post_ranking(post)
    before = (
        {"groups": ranking.groups("submitted"), "unacceptable": ranking.unacceptable("submitted")} if ranking else None
    )
    if ranking is None:
        ranking = PostRanking(post_id=post.id)
        db.session.add(ranking)
    ranking.submitted_at = ranking.updated_at = now
    db.session.flush()
    _replace(ranking, ("draft", "submitted"), bands, out, before is None)
    record_change(
        "post_rankings",
        ranking.id,
        before,
        {
            "groups": bands,
            "unacceptable": sorted(out),
            "submitted": True,
            "from": "assessment_scores",
            **saved_as(ranking),
        },
        "update" if before else "insert",
    )
    return ranking


# -- the score sheet --------------------------------------------------------------------------


def check_score_rows(rows: list[list[str]], applicants: dict[str, Teacher]) -> tuple[list[Problem], dict[int, Score]]:
    """Check a score sheet against a post's applicants (by 工号); every problem by row and column."""
    header = Header.of(rows, COLUMNS, "文件是空的，第一行应为表头（工号、姓名、说课/试讲成绩、面试成绩、考核结论）")
    if not header.position:
        return header.problems, {}
    problems = list(header.problems)
    scores: dict[int, Score] = {}
    first: dict[str, int] = {}
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        cell = header.cells(row)

        def bad(column: str, message: str, number=number) -> None:
            problems.append(Problem(number, column, message))

        staff_no = cell.get("工号", "")
        teacher = applicants.get(staff_no)
        if not staff_no:
            bad("工号", "必填，不能为空")
        elif staff_no in first:
            bad("工号", f"“{staff_no[:32]}”与第{first[staff_no]}行重复")
        elif teacher is None:
            bad("工号", f"“{staff_no[:32]}”不是本岗位符合要求的申请者")
        else:
            first[staff_no] = number
            name = cell.get("姓名", "")
            if name and name != teacher.name:
                bad("姓名", f"“{name[:32]}”与工号{staff_no}的申请者“{teacher.name}”不符")
        verdict_text = cell.get("考核结论", "")
        verdict = VERDICTS.get(verdict_text)
        if verdict is None:
            bad("考核结论", f"“{verdict_text[:16]}”应为“合格”“不合格”“缺考”或空")
            verdict = ""
        values = {}
        for column in ("说课/试讲成绩", "面试成绩"):
            text = cell.get(column, "")
            values[column] = parse_score(text) if text else None
            if text and values[column] is None:
                bad(column, f"“{text[:16]}”不是0到{MAX_SCORE}之间、至多一位小数的分数")
            elif not text and not verdict:
                bad(column, "必填（缺考或不合格的请在“考核结论”中注明）")
        if teacher is not None and staff_no in first and first[staff_no] == number:
            scores[teacher.id] = Score(values["说课/试讲成绩"], values["面试成绩"], verdict)
    if not first and not problems:
        problems.append(Problem(0, "", "文件中没有成绩"))
    return problems, scores


def import_scores(post: Post, data: bytes, filename: str) -> ImportReport:
    """Check a score sheet and save its scores, all or nothing (raises :class:`ImportRefused`)."""
    require(post.round, "score")
    rows = read_rows(data, filename, MAX_ROWS, MAX_COLUMNS)
    rankable, _unqualified = split_candidates(post)
    problems, scores = check_score_rows(rows, {t.staff_no: t for t in rankable})
    report = ImportReport(problems=problems)
    if problems:
        raise ImportRefused(report)
    existing = scores_of(post)
    for tid, score in scores.items():
        row = existing.get(tid)
        if row is not None and (row.teaching, row.interview, row.verdict) == (
            score.teaching,
            score.interview,
            score.verdict,
        ):
            report.unchanged += 1
        elif row is not None:
            report.updated += 1
        else:
            report.created += 1
    save_scores(post, scores, submit=False)
    return report


def score_template(post: Post) -> bytes:
    """The score sheet to fill in: the post's applicants' 工号 and 姓名 already written."""
    rankable, _unqualified = split_candidates(post)
    first = rankable[0] if rankable else None
    example = [first.staff_no, first.name, "", "", ""] if first else ["", "", "87.5", "90", ""]
    body = template_bytes(
        "考核成绩",
        list(COLUMNS),
        example,
        {"工号"},
        {
            "工号": "本岗位申请者的工号（已预先填好）",
            "姓名": "用于核对，须与工号一致",
            "说课/试讲成绩": f"0到{MAX_SCORE}，至多一位小数",
            "面试成绩": f"0到{MAX_SCORE}，至多一位小数",
            "考核结论": "空或“合格”按总分排序；“不合格”“缺考”不予聘任",
        },
    )
    if len(rankable) <= 1:
        return body
    import io

    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(body))
    sheet = book.worksheets[0]
    for teacher in rankable[1:]:
        sheet.append([teacher.staff_no, teacher.name, "", "", ""])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
