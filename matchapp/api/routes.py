from __future__ import annotations

from functools import wraps

from flask import current_app, g, jsonify, request
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import validate_csrf
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload
from wtforms import ValidationError

from ..auth.models import ApiToken, User
from ..auth.services import LoginRefused, authenticate, issue_token, revoke_token, token_user, tokens_of
from ..core.jobs import Job, reap_stale_jobs
from ..core.transaction import keep_changes
from ..extensions import csrf, db, limiter
from ..fair.models import PreferenceList
from ..fair.preferences import OfferedPost, listed_schools, posts_for, preference_list, save_preferences
from ..fair.rankings import candidates, post_ranking, save_ranking
from ..fair.window import fair_is_open, sync_state
from ..preparation.models import Post
from ..preparation.requirements import unmet
from ..results.explanations import explanation_for
from ..results.homes import home_schools, with_home
from ..roster.models import School, Teacher
from ..rounds.models import Round
from ..rounds.states import allows
from ..runs.models import Placement
from ..runs.service import final_run, start_run
from . import bp
from .openapi import OPENAPI

csrf.exempt(bp)  # checked below: a session-authenticated unsafe request still needs its token


def error(status: int, code: str, message: str):
    response = jsonify({"error": code, "message": message})
    response.status_code = status
    return response


def _bearer() -> tuple[User, ApiToken] | None:
    """The account of a live bearer token (random, stored as its digest; revoked when its owner
    signs it out, changes the password, or the bureau revokes it)."""
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer ") or len(header) > 200:
        return None
    return token_user(header[7:].strip())


def api_auth(*roles: str):
    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            found, by_session = _bearer(), False
            user: User | None = found[0] if found else None
            g.api_token = found[1] if found else None
            if user is None and current_user.is_authenticated:
                user, by_session = current_user._get_current_object(), True
            if user is None:
                return error(401, "unauthorized", _("需要登录或有效的访问令牌"))
            if roles and user.role not in roles:
                return error(403, "forbidden", _("无权访问"))
            if user.must_change_password:
                return error(403, "password_change", _("请先登录网页修改初始密码。"))
            if by_session and request.method not in ("GET", "HEAD", "OPTIONS"):
                try:
                    validate_csrf(request.headers.get("X-CSRFToken", ""))
                except ValidationError:
                    return error(400, "csrf", _("会话调用需要 X-CSRFToken 请求头"))
            g.api_user = user
            return view(*args, **kwargs)

        return wrapper

    return decorate


def _json() -> dict:
    data = request.get_json(silent=True)
    return data if isinstance(data, dict) else {}


def _round(round_id: int) -> Round | None:
    round_ = db.session.get(Round, round_id)
    if round_ is not None:
        sync_state(round_)
    return round_


def _no_round():
    return error(404, "not_found", _("没有这个年度"))


@bp.get("/openapi.json")
def openapi():
    return jsonify(OPENAPI)


@bp.post("/v1/token")
@limiter.limit("20 per minute")
def token():
    data = _json()
    username, password = data.get("username"), data.get("password")
    if not isinstance(username, str) or not isinstance(password, str) or not username or not password:
        return error(400, "invalid", _("请提供用户名和密码"))
    try:
        user = authenticate(username[:64], password[:128], request.remote_addr or "")
    except LoginRefused as refusal:
        keep_changes()  # the failure count is kept
        return error(401, refusal.reason, _("用户名或密码错误，或账号已锁定"))
    if user.must_change_password:
        return error(403, "password_change", _("请先登录网页修改初始密码。"))
    name = data.get("name") if isinstance(data.get("name"), str) else ""
    secret, issued = issue_token(user, name)
    hours = current_app.config["API_TOKEN_HOURS"]
    return jsonify(
        {"token": secret, "id": issued.id, "expires_in": hours * 3600, "role": user.role, "prefix": issued.prefix}
    )


@bp.delete("/v1/token")
@api_auth()
def token_logout():
    """Sign the presented token out (it stops working at once)."""
    if g.api_token is None:
        return error(400, "invalid", _("请用要撤销的访问令牌调用"))
    revoke_token(g.api_token, "logout")
    return "", 204


@bp.get("/v1/tokens")
@api_auth()
def tokens():
    """The caller's own tokens (never their secrets)."""
    return jsonify(
        {
            "tokens": [
                {
                    "id": t.id,
                    "prefix": t.prefix,
                    "name": t.name,
                    "created_at": t.created_at.isoformat() + "Z",
                    "expires_at": t.expires_at.isoformat() + "Z",
                    "last_used_at": t.last_used_at.isoformat() + "Z" if t.last_used_at else None,
                    "revoked": t.revoked_at is not None,
                }
                for t in tokens_of(g.api_user)
            ]
        }
    )


@bp.delete("/v1/tokens/<int:token_id>")
@api_auth()
def token_revoke(token_id: int):
    found = db.session.get(ApiToken, token_id)
    if found is None or (found.user_id != g.api_user.id and g.api_user.role != "bureau"):
        return error(404, "not_found", _("没有这个访问令牌"))
    revoke_token(found, "owner" if found.user_id == g.api_user.id else "bureau")
    return "", 204


def _post_json(post: Post | OfferedPost, with_ranking: bool = False) -> dict:
    out = {
        "id": post.id,
        "school": post.school.code,
        "school_name": post.school.name,
        "tier": post.school.tier,
        "zone": post.school.zone,
        "subject": post.subject,
        "seats": post.seats,
        "requirements": {
            "min_education": post.min_education or None,
            "min_title": post.min_title or None,
            "honours": post.honours or None,
            "backbone_seats": post.backbone_seats,
        },
    }
    if with_ranking:
        assert isinstance(post, Post)  # a school's or the bureau's read: the post itself
        ranking = post_ranking(post)
        people = candidates(post)
        stored_groups = ranking.groups() if ranking else []
        unacceptable = ranking.unacceptable() if ranking else []
        # What is stored, as stored: a ranked teacher who has since withdrawn still shows.
        staff = {t.id: t.staff_no for t in people}
        missing = ({tid for group in stored_groups for tid in group} | set(unacceptable)) - set(staff)
        if missing:
            staff.update(db.session.execute(select(Teacher.id, Teacher.staff_no).where(Teacher.id.in_(missing))).all())
        groups = [[staff[tid] for tid in group] for group in stored_groups]
        out["ranking"] = {
            "groups": groups,
            "unacceptable": [staff[tid] for tid in unacceptable],
            "version": ranking.version if ranking else 0,
            "submitted_at": ranking.submitted_at.isoformat() + "Z" if ranking and ranking.submitted_at else None,
        }
        out["candidates"] = [
            {
                "id": t.staff_no,
                "name": t.name,
                "school": t.school.code,
                "title": t.title,
                "education": t.education,
                "backbone": t.backbone,
                "unmet": unmet(t, post),
            }
            for t in people
        ]
    return out


@bp.get("/v1/rounds/<int:round_id>/posts")
@api_auth("bureau", "school", "teacher")
def posts(round_id: int):
    round_ = _round(round_id)
    if round_ is None:
        return _no_round()
    user = g.api_user
    if user.role == "teacher":
        rows = posts_for(round_, user.teacher)
    else:
        query = select(Post).options(joinedload(Post.school)).where(Post.round_id == round_.id)
        if user.role == "school":
            query = query.where(Post.school_id == user.school_id)
        rows = list(db.session.scalars(query.order_by(Post.id)))
    docs = [_post_json(p) for p in rows]
    if user.role == "teacher":
        for doc, post in zip(docs, rows):
            doc["unmet"] = unmet(user.teacher, post)
    return jsonify({"round": round_.id, "state": round_.state, "fair_open": fair_is_open(round_), "posts": docs})


@bp.route("/v1/rounds/<int:round_id>/preferences", methods=["GET", "PUT"])
@api_auth("teacher")
def preferences(round_id: int):
    round_ = _round(round_id)
    if round_ is None:
        return _no_round()
    teacher = g.api_user.teacher
    if request.method == "PUT":
        data = _json()
        codes, version = data.get("schools"), data.get("version")
        if not isinstance(codes, list) or not all(isinstance(c, str) for c in codes) or len(codes) > 500:
            return error(400, "invalid", _("schools 应为学校代码的数组"))
        if version is not None and (not isinstance(version, int) or isinstance(version, bool) or version < 0):
            return error(400, "invalid", _("version 应为非负整数"))
        by_code = (
            dict(db.session.execute(select(School.code, School.id).where(School.code.in_(codes))).all())
            if codes
            else {}
        )
        missing = [c for c in codes if c not in by_code]
        if missing:
            return error(400, "unknown_school", _("学校代码不存在：%(codes)s", codes=", ".join(missing[:5])))
        saved = [by_code[c] for c in codes]
        submit = data.get("submit") is True
        plist: PreferenceList | None = save_preferences(round_, teacher, saved, submit=submit, version=version)
        # the answer names what was just written: only a kept submitted list is read back
        chosen = {"draft": saved, "submitted": saved if submit else listed_schools(plist)["submitted"]}
        codes = {school_id: code for code, school_id in by_code.items()}
    else:
        plist = preference_list(round_, teacher)
        chosen, codes = listed_schools(plist), {}
    unnamed = (set(chosen["draft"]) | set(chosen["submitted"])) - set(codes)
    if unnamed:
        codes.update(db.session.execute(select(School.id, School.code).where(School.id.in_(unnamed))).all())
    return jsonify(
        {
            "round": round_.id,
            "teacher": teacher.staff_no,
            "draft": [codes[s] for s in chosen["draft"]],
            "submitted": [codes[s] for s in chosen["submitted"]],
            "submitted_at": plist.submitted_at.isoformat() + "Z" if plist and plist.submitted_at else None,
            "version": plist.version if plist else 0,
        }
    )


@bp.route("/v1/rounds/<int:round_id>/posts/<int:post_id>/ranking", methods=["GET", "PUT"])
@api_auth("bureau", "school")
def ranking(round_id: int, post_id: int):
    post = db.session.get(Post, post_id)
    if post is None or post.round_id != round_id:
        return error(404, "not_found", _("没有这个岗位"))
    user = g.api_user
    if user.role == "school" and user.school_id != post.school_id:
        return error(403, "forbidden", _("只能查看和修改本校岗位的排序"))
    if request.method == "PUT":
        data = _json()
        groups_in, unacceptable_in, version = data.get("groups", []), data.get("unacceptable", []), data.get("version")
        if not (
            isinstance(groups_in, list)
            and all(isinstance(grp, list) and all(isinstance(x, str) for x in grp) for grp in groups_in)
            and isinstance(unacceptable_in, list)
            and all(isinstance(x, str) for x in unacceptable_in)
            and (version is None or (isinstance(version, int) and not isinstance(version, bool)))
        ):
            return error(400, "invalid", _("groups 应为工号数组的数组，unacceptable 为工号数组，version 为整数"))
        ids = {t.staff_no: t.id for t in candidates(post)}
        unknown = [x for grp in groups_in for x in grp if x not in ids] + [x for x in unacceptable_in if x not in ids]
        if unknown:
            # 409: usually a teacher withdrew between reading the candidates and saving.
            return error(409, "not_a_candidate", _("不是本岗位的申请者：%(ids)s", ids=", ".join(unknown[:5])))
        bands = {ids[x]: k + 1 for k, grp in enumerate(groups_in) for x in grp}
        save_ranking(post, bands, {ids[x] for x in unacceptable_in}, version, submit=data.get("submit") is True)
    return jsonify(_post_json(post, with_ranking=True))


@bp.post("/v1/rounds/<int:round_id>/run")
@api_auth("bureau")
def run(round_id: int):
    """Start a run in the background; poll the job's URL for its progress and result."""
    round_ = _round(round_id)
    if round_ is None:
        return _no_round()
    job = start_run(round_, preview=_json().get("preview") is True, user_id=g.api_user.id)
    response = jsonify(_job_json(job))
    response.status_code = 202
    response.headers["Location"] = f"/api/v1/jobs/{job.id}"
    return response


def _job_json(job) -> dict:
    return {
        "job": job.id,
        "kind": job.kind,
        "state": job.state,
        "progress": job.progress,
        "message": job.message,
        "result": job.result,
        "status_url": f"/api/v1/jobs/{job.id}",
    }


@bp.get("/v1/jobs/<int:job_id>")
@api_auth("bureau", "school", "teacher")
def job(job_id: int):
    reap_stale_jobs()
    found = db.session.get(Job, job_id)
    if found is None:
        return error(404, "not_found", _("没有这个任务"))
    if g.api_user.role != "bureau" and found.created_by_id != g.api_user.id:
        return error(403, "forbidden", _("无权访问"))
    return jsonify(_job_json(found))


@bp.get("/v1/rounds/<int:round_id>/results")
@api_auth("bureau", "school", "teacher")
def results(round_id: int):
    """The final run's placements, as each role may see them: the bureau every teacher (before
    publication too); after publication a school the teachers it sends and receives, a teacher
    their own placement and why (the explanation of the result page)."""
    round_ = _round(round_id)
    run_ = final_run(round_) if round_ else None
    if round_ is None or run_ is None:
        return error(404, "not_found", _("尚未运行正式匹配"))
    user = g.api_user
    if user.role != "bureau" and not allows(round_, "read_results"):
        return error(409, "not_published", _("结果公示后才能查看"))
    # The home school as the run saw it: the exchange record once published (人走关系动 moves the
    # roster's school at reporting), the roster before.
    query, home_id = with_home(
        select(Placement).join(Teacher, Teacher.id == Placement.teacher_id), run_, Placement.teacher_id
    )
    query = query.where(Placement.run_id == run_.id)
    if user.role == "teacher":
        query = query.where(Placement.teacher_id == user.teacher_id)
    elif user.role == "school":
        query = query.where(or_(Placement.school_id == user.school_id, home_id == user.school_id))
    placements = db.session.scalars(query.options(joinedload(Placement.teacher))).all()
    schools = {s.id: s.code for s in db.session.scalars(select(School))}
    homes = home_schools(run_)

    def row(p: Placement) -> dict:
        teacher = p.teacher
        out = {
            "teacher": teacher.staff_no,
            "name": teacher.name,
            "subject": teacher.subject,
            "from_school": schools.get(homes.get(teacher.id, teacher.school_id)),
            "school": schools.get(p.school_id) if p.school_id else None,
            "how": p.how,
            "preference_rank": p.preference_rank or None,
        }
        if user.role == "school":
            out["direction"] = "incoming" if p.school_id == user.school_id else "outgoing"
        return out

    body = {
        "round": round_.id,
        "state": round_.state,
        "run": run_.id,
        "input_sha256": run_.input_sha256,
        "placements": [row(p) for p in sorted(placements, key=lambda p: p.teacher.staff_no)],
    }
    if user.role == "teacher" and placements:
        lang = "en" if str(get_locale() or "zh").startswith("en") else "zh"
        body["explanation"] = explanation_for(run_, placements[0].teacher, lang)
    return jsonify(body)
