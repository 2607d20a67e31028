"""Pages of the exchange after publication: the bureau's year (carry-overs, reporting, assessments,
terms ending, the experience report, the settings), a school's exchange teachers and their
grades, one exchange's record, the certificate and its public verification.

Views are thin: they validate a form, call one service, flash and redirect; a refusal raised by a
service is shown on the page the form came from and nothing is written.
"""

from __future__ import annotations

import datetime as dt
import io

from flask import abort, flash, redirect, render_template, request, send_file, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..core.access import require_school_access, role_required
from ..core.clock import local_today
from ..core.forms import ActionForm
from ..core.spreadsheet import XLSX
from ..core.transaction import refuse
from ..core.vocab import EXCHANGE_KINDS, TITLES
from ..extensions import db
from ..preparation.models import Outgoing
from ..roster.history import away_from, carry_over, serving_at
from ..roster.models import Bureau, ExchangeEvent, ExchangeRecord, School, Teacher
from ..rounds.calendar import cutoff_date, report_by, term_years
from ..rounds.models import Round
from ..rounds.services import current_round, update_policy
from ..rounds.states import allows
from . import bp
from .assessments import assessable, assessment_of, review, review_summary, save_grades
from .forms import (
    DecisionForm,
    EndForm,
    ExchangePolicyForm,
    GradesForm,
    IncidentForm,
    KindForm,
    OutgoingKindsForm,
    ReportForm,
    ReviewForm,
)
from .kinds import change_kind, counts_by_kind, kind_warnings, outgoing_counts_by_kind, set_outgoing_kind
from .records import policy_of, year_policy
from .reporting import confirm_reporting, confirm_school_reporting, decide, record_no_show, record_refusal
from .reports import experience_counts, experience_filters, experience_query, experience_rows, experience_workbook
from .rules import days_late, excellent_cap, normalise_certificate_number
from .slips import slip, slip_workbook
from .terms import (
    certificate_period,
    certificate_problems,
    ended_in,
    ending_in,
    extend,
    find_certificate,
    issue_certificate,
    return_home,
    stay,
)


def _year() -> int:
    """The year a page is about: ``?year=``, else the year chosen in the year switcher."""
    year = request.args.get("year", type=int)
    if year and 2000 <= year <= 2100:
        return year
    chosen = current_round(session.get("round_id"))
    return chosen.year if chosen else local_today().year


def _round_of_year(year: int) -> Round | None:
    return db.session.scalar(select(Round).where(Round.year == year))


def _actor() -> str:
    return current_user.username


def _form_errors(form) -> None:
    for errors in form.errors.values():
        for message in errors if isinstance(errors, list) else [errors]:
            refuse(message if isinstance(message, str) else _("表单填写有误。"))


# -- the bureau's year -----------------------------------------------------------------------------


@bp.route("/exchanges/")
@role_required("bureau")
def overview():
    """The bureau's year of exchanges: what earlier years carry over, this year's exchanges by
    state and kind, the assessments and the terms ending, and the reports."""
    year = _year()
    round_ = _round_of_year(year)
    carry = carry_over(year, cutoff_date(round_) if round_ else None)
    states: dict[str, int] = {}
    if round_ is not None:
        for state in db.session.scalars(select(ExchangeRecord.state).where(ExchangeRecord.year == year)):
            states[state] = states.get(state, 0) + 1
    policy = round_.policy if round_ else {}
    return render_template(
        "exchanges/overview.html",
        year=year,
        round=round_,
        carry=carry,
        states=states,
        kinds_year=counts_by_kind(year),
        kinds_current=counts_by_kind(states=("placed", "serving")),
        kinds_outgoing=outgoing_counts_by_kind(round_) if round_ else {},
        ending=len(ending_in(year)),
        assessments=review_summary(year - 1),
        experience=experience_counts(policy, cutoff_date(round_)) if round_ else None,
        years=[r.year for r in db.session.scalars(select(Round).order_by(Round.year.desc()))],
    )


@bp.route("/exchanges/<int:round_id>/reporting")
@role_required("bureau")
def reporting(round_id: int):
    """Reporting in (报到): each receiving school's teachers, confirmed a school at a time."""
    round_ = db.get_or_404(Round, round_id)
    if not allows(round_, "read_results"):
        flash(_("结果公示后才能确认报到。"), "info")
        return redirect(url_for("exchanges.overview", year=round_.year))
    records = db.session.scalars(select(ExchangeRecord).where(ExchangeRecord.year == round_.year)).all()
    by_school: dict[int, list[ExchangeRecord]] = {}
    for r in sorted(records, key=lambda r: (r.to_school.code, r.teacher.staff_no)):
        by_school.setdefault(r.to_school_id, []).append(r)
    school_filter = request.args.get("school", type=int)
    if request.args.get("waiting"):
        by_school = {k: v for k, v in by_school.items() if any(r.state == "placed" for r in v)}
    schools = {s.id: s for s in db.session.scalars(select(School))}
    deadline = report_by(round_)
    today = local_today()
    return render_template(
        "exchanges/reporting.html",
        round=round_,
        by_school={k: v for k, v in by_school.items() if not school_filter or k == school_filter},
        all_schools=sorted((schools[k] for k in by_school), key=lambda s: s.code),
        schools=schools,
        school_filter=school_filter,
        waiting=bool(request.args.get("waiting")),
        form=ReportForm(
            reported_on=min(today, max(deadline, round_.published_at.date() if round_.published_at else deadline))
        ),
        report_by=deadline,
        late={r.id: days_late(deadline, today) for r in records if r.state == "placed"},
        total=len(records),
        waiting_count=sum(1 for r in records if r.state == "placed"),
    )


@bp.route("/exchanges/<int:round_id>/reporting/<int:school_id>", methods=["POST"])
@role_required("bureau")
def reporting_confirm(round_id: int, school_id: int):
    round_, school = db.get_or_404(Round, round_id), db.get_or_404(School, school_id)
    form = ReportForm()
    back = url_for("exchanges.reporting", round_id=round_id) + f"#s{school_id}"
    if not form.validate_on_submit():
        _form_errors(form)
        return redirect(back)
    chosen = None if request.form.get("all") else [int(x) for x in request.form.getlist("record_id") if x.isdigit()]
    if chosen is not None and not chosen:
        refuse(_("请勾选已报到的教师，或选择“全部已报到”。"))
        return redirect(back)
    done = confirm_school_reporting(round_, school, form.reported_on.data, chosen, _actor())
    flash(_("已确认%(school)s %(n)s名交流教师报到。", school=school.name, n=len(done)), "success")
    return redirect(back)


@bp.route("/exchanges/<int:round_id>/slips/<int:school_id>")
@role_required("bureau", "school")
def slip_page(round_id: int, school_id: int):
    """The reporting-in slip (报到单) of a receiving school, printable."""
    require_school_access(school_id)
    round_, school = db.get_or_404(Round, round_id), db.get_or_404(School, school_id)
    if not allows(round_, "read_results"):
        abort(404)
    return render_template("exchanges/slip.html", slip=slip(round_, school))


@bp.route("/exchanges/<int:round_id>/slips/<int:school_id>.xlsx")
@role_required("bureau", "school")
def slip_xlsx(round_id: int, school_id: int):
    require_school_access(school_id)
    round_, school = db.get_or_404(Round, round_id), db.get_or_404(School, school_id)
    if not allows(round_, "read_results"):
        abort(404)
    return send_file(
        io.BytesIO(slip_workbook(slip(round_, school))),
        mimetype=XLSX,
        as_attachment=True,
        download_name=f"{round_.year}年度交流教师报到单-{school.code}.xlsx",
    )


# -- one exchange ------------------------------------------------------------------------------------


def _record_for_reader(record_id: int) -> ExchangeRecord:
    """The exchange, for the bureau, the teacher, and the two schools it concerns."""
    record = db.get_or_404(ExchangeRecord, record_id)
    if current_user.role == "teacher" and current_user.teacher_id != record.teacher_id:
        abort(403)
    if current_user.role == "school" and current_user.school_id not in (record.from_school_id, record.to_school_id):
        abort(403)
    return record


@bp.route("/exchanges/records/<int:record_id>")
@role_required("bureau", "school", "teacher")
def record(record_id: int):
    record = _record_for_reader(record_id)
    round_ = _round_of_year(record.year)
    policy = policy_of(record)
    deadline = report_by(round_) if round_ else None
    today = local_today()
    open_incidents = [e for e in record.events if e.kind in ("no_show", "refusal") and e.decision in ("", "warning")]
    return render_template(
        "exchanges/record.html",
        record=record,
        round=round_,
        policy=policy,
        report_by=deadline,
        late=days_late(deadline, today) if deadline and record.state == "placed" else 0,
        warnings=kind_warnings(record),
        open_incidents=open_incidents,
        certificate_problems=certificate_problems(record) if record.state in ("returned", "stayed") else [],
        report_form=ReportForm(reported_on=today),
        incident_form=IncidentForm(occurred_on=today),
        decision_form=DecisionForm(decided_on=today, consequences=list(policy.get("refusal_consequences") or [])),
        kind_form=KindForm(kind=record.kind),
        end_form=EndForm(),
        action=ActionForm(),
        bureau=current_user.role == "bureau",
        year=_year(),
    )


def _to_record(record: ExchangeRecord):
    return redirect(url_for("exchanges.record", record_id=record.id))


@bp.route("/exchanges/records/<int:record_id>/report", methods=["POST"])
@role_required("bureau")
def record_report(record_id: int):
    record = db.get_or_404(ExchangeRecord, record_id)
    form = ReportForm()
    if not form.validate_on_submit():
        _form_errors(form)
        return _to_record(record)
    confirm_reporting(record, form.reported_on.data, _actor())
    flash(_("已确认%(name)s于%(d)s报到。", name=record.teacher.name, d=form.reported_on.data), "success")
    return _to_record(record)


@bp.route("/exchanges/records/<int:record_id>/incident", methods=["POST"])
@role_required("bureau")
def record_incident(record_id: int):
    record = db.get_or_404(ExchangeRecord, record_id)
    form = IncidentForm()
    if not form.validate_on_submit():
        _form_errors(form)
        return _to_record(record)
    if form.kind.data == "no_show":
        record_no_show(record, form.occurred_on.data, form.reason.data or "", _actor())
        flash(_("已记录%(name)s未按时报到，请作出处理决定。", name=record.teacher.name), "success")
    else:
        record_refusal(record, form.occurred_on.data, form.reason.data or "", _actor())
        flash(_("已记录%(name)s拒不服从交流，请作出处理决定。", name=record.teacher.name), "success")
    return _to_record(record)


@bp.route("/exchanges/records/<int:record_id>/decide", methods=["POST"])
@role_required("bureau")
def record_decide(record_id: int):
    record = db.get_or_404(ExchangeRecord, record_id)
    form = DecisionForm()
    if not form.validate_on_submit():
        _form_errors(form)
        return _to_record(record)
    event = db.session.get(ExchangeEvent, form.event_id.data)
    if event is None or event.record_id != record.id:
        abort(404)
    decide(event, form.decision.data, form.decided_on.data, form.consequences.data, form.note.data or "", _actor())
    flash(_("已作出处理决定，记入教师档案。"), "success")
    return _to_record(record)


@bp.route("/exchanges/records/<int:record_id>/kind", methods=["POST"])
@role_required("bureau")
def record_kind(record_id: int):
    record = db.get_or_404(ExchangeRecord, record_id)
    form = KindForm()
    if not form.validate_on_submit():
        _form_errors(form)
        return _to_record(record)
    change_kind(record, form.kind.data, form.reason.data or "", _actor())
    flash(_("已变更交流方式。"), "success")
    return _to_record(record)


@bp.route("/exchanges/records/<int:record_id>/end", methods=["POST"])
@role_required("bureau")
def record_end(record_id: int):
    record = db.get_or_404(ExchangeRecord, record_id)
    form = EndForm()
    back = request.form.get("back") == "ending"
    target = (
        redirect(url_for("exchanges.ending", year=request.args.get("year", type=int) or _year()) + f"#r{record.id}")
        if back
        else _to_record(record)
    )
    if not form.validate_on_submit():
        _form_errors(form)
        return target
    reason = form.reason.data or ""
    # The decisions of the year the bureau is working on (the year switcher / the list's year).
    today = max(local_today(), dt.date(_year(), 1, 1))
    if form.action.data == "return":
        return_home(record, reason, _actor(), today=today)
        flash(_("%(name)s期满回原单位。", name=record.teacher.name), "success")
    elif form.action.data == "stay":
        stay(record, reason, _actor(), today=today)
        flash(_("%(name)s期满调入%(school)s。", name=record.teacher.name, school=record.to_school.name), "success")
    else:
        if not form.years.data:
            refuse(_("请填写延长年数。"))
            return target
        extend(record, form.years.data, reason, _actor(), on=today)
        flash(_("已延长%(name)s的交流期限%(n)s年。", name=record.teacher.name, n=form.years.data), "success")
    return target


@bp.route("/exchanges/records/<int:record_id>/certificate", methods=["POST"])
@role_required("bureau")
def record_certify(record_id: int):
    record = db.get_or_404(ExchangeRecord, record_id)
    if ActionForm().validate_on_submit():
        issue_certificate(record, _actor())
        flash(_("已颁发交流服务合格证书，编号%(no)s。", no=record.certificate_no), "success")
    if request.form.get("back") == "ending":
        return redirect(
            url_for("exchanges.ending", year=request.args.get("year", type=int) or _year()) + f"#r{record.id}"
        )
    return _to_record(record)


@bp.route("/exchanges/records/<int:record_id>/certificate")
@role_required("bureau", "school", "teacher")
def certificate(record_id: int):
    """The printable 《交流服务合格证书》."""
    record = _record_for_reader(record_id)
    if not record.certificate_no:
        abort(404)
    return render_template(
        "exchanges/certificate.html", record=record, period=certificate_period(record), bureau=_bureau_name()
    )


def _bureau_name() -> str:
    bureau = db.session.scalar(select(Bureau).limit(1))
    return bureau.name if bureau else _("教育局")


@bp.route("/certificates/verify")
def verify():
    """Anyone checks a certificate by its number, without an account (like the public notice)."""
    typed = request.args.get("no", "")[:64]
    number = normalise_certificate_number(typed)
    found = find_certificate(number) if number else None
    return render_template(
        "exchanges/verify.html",
        typed=typed,
        number=number,
        record=found,
        period=certificate_period(found) if found else "",
    )


# -- a school ----------------------------------------------------------------------------------------


@bp.route("/exchanges/schools/<int:school_id>")
@role_required("bureau", "school")
def school(school_id: int):
    """A school's exchange teachers: its own away, others serving here; slips and grades."""
    require_school_access(school_id)
    school = db.get_or_404(School, school_id)
    year = _year()
    published = db.session.scalars(select(Round).where(Round.state == "published").order_by(Round.year.desc())).all()
    return render_template(
        "exchanges/school.html",
        school=school,
        year=year,
        away=away_from(school.id),
        here=serving_at(school.id),
        published=published,
        school_year=year - 1,
    )


@bp.route("/exchanges/schools/<int:school_id>/assessments", methods=["GET", "POST"])
@role_required("bureau", "school")
def school_assessments(school_id: int):
    """The receiving school grades its exchange teachers of a school year (优秀 ≤ 15%)."""
    require_school_access(school_id)
    school = db.get_or_404(School, school_id)
    school_year = request.args.get("school_year", type=int) or (_year() - 1)
    records = assessable(school, school_year)
    form = GradesForm()
    if request.method == "POST":
        if current_user.role != "school":
            abort(403)
        if not form.validate_on_submit():
            _form_errors(form)
        else:
            grades = {}
            ids = {r.id for r in records}
            for entry in form.entries.entries:
                record_id = int(entry.record_id.data) if str(entry.record_id.data).isdigit() else 0
                if record_id not in ids:
                    abort(400)
                if entry.grade.data:
                    grades[record_id] = (entry.grade.data, entry.note.data or "")
            if not grades:
                refuse(_("请至少评定一名教师。"))
            else:
                save_grades(school, school_year, grades, _actor())
                flash(_("已保存%(n)s名教师的考核等次，报教育局审核。", n=len(grades)), "success")
                return redirect(url_for("exchanges.school_assessments", school_id=school.id, school_year=school_year))
    else:
        for r in records:
            a = assessment_of(r, school_year)
            form.entries.append_entry({"record_id": r.id, "grade": a.grade if a else "", "note": a.note if a else ""})
    policy_share = float(year_policy(school_year).get("excellent_share", 0.15))
    return render_template(
        "exchanges/assessments_school.html",
        school=school,
        school_year=school_year,
        rows=list(zip(records, form.entries.entries, strict=False)),
        assessments={r.id: assessment_of(r, school_year) for r in records},
        form=form,
        cap=excellent_cap(year_policy(school_year), len(records)),
        share=policy_share,
        can_grade=current_user.role == "school",
    )


@bp.route("/exchanges/assessments")
@role_required("bureau")
def assessments():
    """The bureau reviews each receiving school's grades of a school year (审核备案)."""
    school_year = request.args.get("school_year", type=int) or (_year() - 1)
    return render_template(
        "exchanges/assessments.html", school_year=school_year, rows=review_summary(school_year), form=ReviewForm()
    )


@bp.route("/exchanges/assessments/<int:school_id>/review", methods=["POST"])
@role_required("bureau")
def assessments_review(school_id: int):
    school = db.get_or_404(School, school_id)
    school_year = request.args.get("school_year", type=int) or (_year() - 1)
    form = ReviewForm()
    back = redirect(url_for("exchanges.assessments", school_year=school_year) + f"#s{school.id}")
    if not form.validate_on_submit():
        _form_errors(form)
        return back
    approve = form.decision.data == "approve"
    done = review(school, school_year, approve, form.note.data or "", _actor())
    flash(
        _("已审核%(school)s %(n)s名教师的考核结果。", school=school.name, n=len(done))
        if approve
        else _("已将%(school)s的考核结果退回学校。", school=school.name),
        "success",
    )
    return back


# -- the end of the term, the reports, the settings ---------------------------------------------------


@bp.route("/exchanges/ending")
@role_required("bureau")
def ending():
    """Exchanges whose term ends this year: return, extension or staying, each with a reason;
    and the certificates of those that ended."""
    year = _year()
    return render_template(
        "exchanges/ending.html",
        year=year,
        ending=ending_in(year),
        ended=ended_in(year),
        problems={r.id: certificate_problems(r) for r in ended_in(year)},
        end_form=EndForm(),
        action=ActionForm(),
    )


@bp.route("/exchanges/experience")
@role_required("bureau")
def experience():
    """Teachers with and without exchange experience (for title applications and honours)."""
    year = _year()
    round_ = _round_of_year(year)
    policy = round_.policy if round_ else {}
    as_of = cutoff_date(round_) if round_ else local_today()
    filters = experience_filters(request.args)
    page = db.paginate(
        experience_query(policy, as_of, filters),
        page=max(1, request.args.get("page", 1, type=int)),
        per_page=50,
        error_out=False,
    )
    return render_template(
        "exchanges/experience.html",
        year=year,
        as_of=as_of,
        page=page,
        rows=experience_rows(list(page.items), policy, as_of),
        counts=experience_counts(policy, as_of),
        kinds=counts_by_kind(states=("serving", "returned", "stayed")),
        filters=filters,
        params={k: v for k, v in filters.items() if v},
        school_choices=[(s.id, s.name) for s in db.session.scalars(select(School).order_by(School.code))],
        title_choices=list(TITLES.items()),
    )


@bp.route("/exchanges/experience.xlsx")
@role_required("bureau")
def experience_xlsx():
    year = _year()
    round_ = _round_of_year(year)
    policy = round_.policy if round_ else {}
    as_of = cutoff_date(round_) if round_ else local_today()
    data = experience_workbook(policy, as_of, experience_filters(request.args))
    return send_file(io.BytesIO(data), mimetype=XLSX, as_attachment=True, download_name=f"教师交流经历-{as_of}.xlsx")


@bp.route("/exchanges/<int:round_id>/kinds", methods=["GET", "POST"])
@role_required("bureau", "school")
def kinds(round_id: int):
    """The kind of exchange of each outgoing teacher (全职轮岗、兼职交流、教研交流、走教、支教…)."""
    round_ = db.get_or_404(Round, round_id)
    school_id = current_user.school_id if current_user.role == "school" else request.args.get("school", type=int)
    query = (
        select(Outgoing)
        .join(Teacher, Teacher.id == Outgoing.teacher_id)
        .where(Outgoing.round_id == round_.id, Outgoing.confirmed.is_(True))
        .order_by(Teacher.school_id, Teacher.staff_no)
    )
    if school_id:
        query = query.where(Teacher.school_id == school_id)
    entries = db.session.scalars(query).all()
    form = OutgoingKindsForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            _form_errors(form)
        else:
            by_id = {e.id: e for e in entries}
            changed = 0
            for item in form.entries.entries:
                entry = by_id.get(int(item.entry_id.data) if str(item.entry_id.data).isdigit() else 0)
                if entry is None:
                    abort(400)
                if entry.kind != item.kind.data:
                    set_outgoing_kind(round_, entry, item.kind.data)
                    changed += 1
            flash(_("已保存%(n)s名教师的交流方式。", n=changed), "success")
            return redirect(url_for("exchanges.kinds", round_id=round_.id, school=school_id or None))
    else:
        for e in entries:
            form.entries.append_entry({"entry_id": e.id, "kind": e.kind})
    return render_template(
        "exchanges/kinds.html",
        round=round_,
        rows=list(zip(entries, form.entries.entries, strict=False)),
        form=form,
        editable=allows(round_, "edit_lists"),
        counts=outgoing_counts_by_kind(round_),
        school=db.session.get(School, school_id) if school_id else None,
        terms={k: term_years(round_, k) for k in EXCHANGE_KINDS},
    )


@bp.route("/exchanges/<int:round_id>/policy", methods=["GET", "POST"])
@role_required("bureau")
def policy(round_id: int):
    """The round's settings for the exchange after publication and the record's history."""
    round_ = db.get_or_404(Round, round_id)
    current = round_.policy
    terms = current.get("kind_terms") or {}
    data = {
        **current,
        "exchange_counts_as_service": "1" if current.get("exchange_counts_as_service") else "0",
        "fail_voids_experience": "1" if current.get("fail_voids_experience") else "0",
        **{
            f"term_{k}": terms.get(k, current.get("term_years", 3))
            for k in ("part_time", "research", "walking", "support")
        },
    }
    form = ExchangePolicyForm(data=data)
    if form.submit.data and form.validate_on_submit():
        values = {
            "personnel_relation": form.personnel_relation.data,
            "exchange_counts_as_service": form.exchange_counts_as_service.data == "1",
            "exempt_after_schools": form.exempt_after_schools.data,
            "exempt_after_school_years": form.exempt_after_school_years.data or 3,
            "rural_years_count_as_exchange": form.rural_years_count_as_exchange.data,
            "remote_years_count_as_exchange": form.remote_years_count_as_exchange.data,
            "kind_terms": {
                **terms,
                **{k: getattr(form, f"term_{k}").data for k in ("part_time", "research", "walking", "support")},
            },
            "max_extension_years": form.max_extension_years.data,
            "poor_assessment_extends_years": form.poor_assessment_extends_years.data,
            "excellent_share": form.excellent_share.data,
            "no_show_warning_days": form.no_show_warning_days.data,
            "no_show_leaving_days": form.no_show_leaving_days.data,
            "refusal_bar_years": form.refusal_bar_years.data,
            "refusal_consequences": list(form.refusal_consequences.data or []),
            "signature_deferral_years": form.signature_deferral_years.data,
            "fail_voids_experience": form.fail_voids_experience.data == "1",
        }
        if values["no_show_leaving_days"] < values["no_show_warning_days"]:
            refuse(_("按自动离职处理的天数不能少于批评教育的天数。"))
        else:
            update_policy(round_, values)
            flash(_("交流管理政策已保存。"), "success")
            return redirect(url_for("exchanges.policy", round_id=round_.id))
    elif form.submit.data:
        _form_errors(form)
    return render_template("exchanges/policy.html", round=round_, form=form, editable=allows(round_, "edit_policy"))
