"""Every route of the app, from the URL map, as each role and as a stranger: allowed or refused as
intended, including other people's ids in URLs (no insecure direct object reference).

A new route fails this test until it is classified here.
"""

import pytest

from matchapp.extensions import db
from matchapp.results.publication import publish
from matchapp.roster.models import ExchangeRecord
from matchapp.runs.assignment import confirm_assignment
from matchapp.runs.models import Run
from tests.factories import gen_user
from tests.matchapp.test_fair import _run_whole_fair

ROLES = ("anon", "teacher", "school", "bureau")
EVERYONE, SIGNED_IN = set(ROLES), {"teacher", "school", "bureau"}


@pytest.fixture
def world(app):
    round_, s, teachers, music, posts, outcome = _run_whole_fair()
    confirm_assignment(round_)
    publish(round_)
    # teachers[3] works at F1 and goes to F2: nothing to do with the school user's F0.
    own_teacher, other_teacher = teachers[0], teachers[3]
    own_school, other_school = s[0], s[1]  # the school user administers F0
    users = {
        "teacher": gen_user("teacher", username="own-teacher", teacher_id=own_teacher.id),
        "school": gen_user("school", username="own-school", school_id=own_school.id),
        "bureau": gen_user("bureau", username="bureau"),
    }
    db.session.commit()
    post_here = posts["A"]  # F0's math post
    post_there = posts["D"]  # F3's
    job_run = db.session.query(Run).first()
    records = {r.teacher_id: r.id for r in db.session.query(ExchangeRecord)}
    return {
        "own_record": records[own_teacher.id],  # F0's teacher: F0 sends them
        "other_record": records[other_teacher.id],  # F1 → F2
        "round": round_.id,
        "own_school": own_school.id,
        "other_school": other_school.id,
        "own_teacher": own_teacher.id,
        "other_teacher": other_teacher.id,
        "post_here": post_here.id,
        "post_there": post_there.id,
        "run": job_run.id,
        "users": users,
    }


def cases(w):
    """(endpoint, method, url, roles allowed). ``own``/``other`` ids try to cross the rules."""
    r = w["round"]
    return [
        ("home.root", "GET", "/", SIGNED_IN | {"anon"}),  # a redirect either way
        ("core.healthz", "GET", "/healthz", EVERYONE),
        ("home.index", "GET", "/home", SIGNED_IN),
        ("core.job", "GET", "/jobs/999999", {"bureau", "school", "teacher"}),  # 404 for all: no such job
        ("auth.login", "GET", "/login", EVERYONE),
        ("auth.logout", "POST", "/logout", SIGNED_IN),
        ("auth.set_language", "POST", "/lang/en", EVERYONE),
        ("auth.account", "GET", "/account", SIGNED_IN),
        ("auth.revoke_own_token", "POST", "/account/tokens/revoke", SIGNED_IN),  # then 404: no token given
        ("auth.security", "GET", "/accounts/security", {"bureau"}),
        ("auth.security_act", "POST", "/accounts/security/act", {"bureau"}),  # then 404: no account given
        ("auth.revoke_any_token", "POST", "/accounts/security/tokens/revoke", {"bureau"}),
        ("static", "GET", "/static/app.css", EVERYONE),
        ("roster.import_file", "GET", "/roster/import", {"school", "bureau"}),
        ("roster.import_template", "GET", "/roster/import/template.xlsx", {"school", "bureau"}),
        ("roster.me", "GET", "/roster/me", {"teacher"}),
        ("roster.schools", "GET", "/roster/schools", {"bureau"}),
        ("roster.teachers", "GET", "/roster/teachers?q=1&subject=math", {"bureau"}),
        ("roster.school", "GET", f"/roster/schools/{w['own_school']}", {"school", "bureau"}),
        ("roster.school", "GET", f"/roster/schools/{w['other_school']}", {"bureau"}),
        ("roster.teacher", "GET", f"/roster/teachers/{w['own_teacher']}", {"teacher", "school", "bureau"}),
        ("roster.teacher", "GET", f"/roster/teachers/{w['other_teacher']}", {"bureau"}),
        ("rounds.overview", "GET", "/rounds/", {"bureau"}),
        ("rounds.new", "POST", "/rounds/new", {"bureau"}),
        ("rounds.select_round", "POST", "/rounds/select", SIGNED_IN),  # then 404: no year given
        ("roster.school_new", "GET", "/roster/schools/new", {"bureau"}),
        ("roster.school_edit", "GET", f"/roster/schools/{w['own_school']}/edit", {"bureau"}),
        ("accounts.index", "GET", "/accounts", {"bureau"}),
        ("accounts.bulk", "POST", "/accounts/bulk", {"school", "bureau"}),
        ("accounts.slips", "GET", "/accounts/slips/999999", {"school", "bureau"}),  # 404: not their batch
        ("accounts.slips_xlsx", "GET", "/accounts/slips/999999.xlsx", {"school", "bureau"}),
        ("accounts.act", "POST", "/accounts/act", {"school", "bureau"}),  # then 404: no account given
        ("accounts.settings", "POST", "/accounts/settings", {"bureau"}),
        ("accounts.school", "GET", f"/schools/{w['own_school']}/accounts", {"school", "bureau"}),
        ("accounts.school", "GET", f"/schools/{w['other_school']}/accounts", {"bureau"}),
        ("accounts.issue", "POST", f"/schools/{w['other_school']}/accounts/issue", {"bureau"}),
        ("rounds.policy", "GET", f"/rounds/{r}/policy", {"bureau"}),
        ("rounds.preset", "POST", f"/rounds/{r}/preset", {"bureau"}),
        ("preparation.schools", "GET", f"/rounds/{r}/schools", {"bureau"}),
        ("preparation.quotas_xlsx", "GET", f"/rounds/{r}/quotas.xlsx", {"bureau"}),
        ("preparation.subject_quotas_page", "GET", f"/rounds/{r}/subject-quotas", {"bureau"}),
        ("preparation.subject_quotas_propose", "POST", f"/rounds/{r}/subject-quotas/propose", {"bureau"}),
        ("preparation.subject_quotas_xlsx", "GET", f"/rounds/{r}/subject-quotas.xlsx", {"bureau"}),
        ("preparation.subject_quotas_import", "POST", f"/rounds/{r}/subject-quotas/import", {"bureau"}),
        ("preparation.posts_propose", "POST", f"/rounds/{r}/posts/propose", {"bureau"}),
        ("preparation.seats", "POST", f"/rounds/{r}/seats", {"bureau"}),
        ("preparation.exemptions", "GET", f"/rounds/{r}/exemptions", {"bureau"}),
        ("preparation.school", "GET", f"/rounds/{r}/schools/{w['own_school']}", {"school", "bureau"}),
        ("preparation.school", "GET", f"/rounds/{r}/schools/{w['other_school']}", {"bureau"}),
        ("preparation.eligibility_publish", "POST", f"/rounds/{r}/schools/{w['other_school']}/publish", {"bureau"}),
        ("preparation.outgoing_rule", "POST", f"/rounds/{r}/schools/{w['other_school']}/rule", {"bureau"}),
        ("preparation.outgoing_vote", "POST", f"/rounds/{r}/schools/{w['other_school']}/vote", {"bureau"}),
        ("preparation.outgoing_approve", "POST", f"/rounds/{r}/schools/{w['own_school']}/approve", {"bureau"}),
        (
            "preparation.outgoing_approve_remove",
            "POST",
            f"/rounds/{r}/schools/{w['own_school']}/approve/remove",
            {"bureau"},
        ),
        ("preparation.outgoing_submit", "POST", f"/rounds/{r}/schools/{w['other_school']}/submit", set()),
        ("preparation.outgoing_submit", "POST", f"/rounds/{r}/schools/{w['own_school']}/submit", {"school"}),
        ("preparation.outgoing_return", "POST", f"/rounds/{r}/schools/{w['own_school']}/return", {"bureau"}),
        ("preparation.exemption_record", "POST", f"/rounds/{r}/schools/{w['other_school']}/exemption", {"bureau"}),
        ("preparation.post_confirm", "POST", f"/rounds/{r}/posts/{w['post_there']}/confirm", {"bureau"}),
        ("preparation.post_confirm", "POST", f"/rounds/{r}/posts/{w['post_here']}/confirm", {"school", "bureau"}),
        ("preparation.teacher_volunteer", "POST", f"/rounds/{r}/volunteer", {"teacher"}),
        ("fair.preferences", "GET", f"/fair/{r}/preferences", {"teacher"}),
        ("results.my_result", "GET", f"/fair/{r}/my-result", {"teacher"}),
        ("fair.school_posts", "GET", f"/fair/{r}/schools/{w['own_school']}", {"school", "bureau"}),
        ("fair.school_posts", "GET", f"/fair/{r}/schools/{w['other_school']}", {"bureau"}),
        ("fair.ranking", "GET", f"/fair/{r}/posts/{w['post_here']}/ranking", {"school", "bureau"}),
        ("fair.ranking", "GET", f"/fair/{r}/posts/{w['post_there']}/ranking", {"bureau"}),
        ("runs.control", "GET", f"/fair/{r}/", {"bureau"}),
        ("fair.fair_open", "POST", f"/fair/{r}/open", {"bureau"}),
        ("fair.fair_close", "POST", f"/fair/{r}/close", {"bureau"}),
        ("runs.fair_run", "POST", f"/fair/{r}/run", {"bureau"}),
        ("runs.fair_confirm", "POST", f"/fair/{r}/confirm", {"bureau"}),
        ("results.fair_publish", "POST", f"/fair/{r}/publish", {"bureau"}),
        ("results.results", "GET", f"/fair/{r}/results", {"bureau"}),
        ("results.results_xlsx", "GET", f"/fair/{r}/results.xlsx", {"bureau"}),
        ("runs.assign", "POST", f"/fair/{r}/assign/{w['other_teacher']}", {"bureau"}),
        (
            "runs.assign_check",
            "GET",
            f"/fair/{r}/assign/{w['other_teacher']}/check?school_id={w['own_school']}",
            {"bureau"},
        ),
        ("runs.run_file", "GET", f"/fair/runs/{w['run']}/instance.json", {"bureau"}),
        ("results.correct", "POST", f"/fair/{r}/correct/{w['other_teacher']}", {"bureau"}),
        ("results.school_results", "GET", f"/fair/{r}/schools/{w['own_school']}/results", {"school", "bureau"}),
        ("results.school_results", "GET", f"/fair/{r}/schools/{w['other_school']}/results", {"bureau"}),
        ("results.notice", "GET", f"/fair/{r}/notice", EVERYONE),  # the public notice
        ("results.letter", "GET", f"/fair/{r}/letters/{w['own_teacher']}", {"teacher", "school", "bureau"}),
        ("results.letter", "GET", f"/fair/{r}/letters/{w['other_teacher']}", {"bureau"}),
        ("results.letter_pdf", "GET", f"/fair/{r}/letters/{w['own_teacher']}.pdf", {"teacher", "school", "bureau"}),
        ("results.letter_pdf", "GET", f"/fair/{r}/letters/{w['other_teacher']}.pdf", {"bureau"}),
        ("results.letters_pdf", "GET", f"/fair/{r}/letters.pdf", {"school", "bureau"}),  # a school: its own
        ("results.letters_pdf", "GET", f"/fair/{r}/letters.pdf?school={w['other_school']}", {"bureau"}),
        ("results.report_slips", "GET", f"/fair/{r}/report-slips", SIGNED_IN),  # each their own
        ("results.report_slips", "GET", f"/fair/{r}/report-slips?school={w['other_school']}", {"bureau"}),
        ("results.report_slips", "GET", f"/fair/{r}/report-slips?teacher={w['other_teacher']}", {"bureau"}),
        ("results.report_slips_pdf", "GET", f"/fair/{r}/report-slips.pdf?teacher={w['own_teacher']}", SIGNED_IN),
        ("results.report_slips_pdf", "GET", f"/fair/{r}/report-slips.pdf?school={w['other_school']}", {"bureau"}),
        ("results.notice_pdf", "GET", f"/fair/{r}/notice.pdf", EVERYONE),  # public, like the page
        ("results.paper_file", "GET", "/fair/papers/999999.pdf", {"school", "bureau"}),  # 404: no such file
        ("roster.bureau", "GET", "/roster/bureau", {"bureau"}),
        ("roster.bureau", "POST", "/roster/bureau", {"bureau"}),
        ("exchanges.overview", "GET", "/exchanges/", {"bureau"}),
        ("exchanges.reporting", "GET", f"/exchanges/{r}/reporting", {"bureau"}),
        ("exchanges.reporting_confirm", "POST", f"/exchanges/{r}/reporting/{w['own_school']}", {"bureau"}),
        ("exchanges.slip_page", "GET", f"/exchanges/{r}/slips/{w['own_school']}", {"school", "bureau"}),
        ("exchanges.slip_page", "GET", f"/exchanges/{r}/slips/{w['other_school']}", {"bureau"}),
        ("exchanges.slip_xlsx", "GET", f"/exchanges/{r}/slips/{w['own_school']}.xlsx", {"school", "bureau"}),
        ("exchanges.slip_xlsx", "GET", f"/exchanges/{r}/slips/{w['other_school']}.xlsx", {"bureau"}),
        ("exchanges.record", "GET", f"/exchanges/records/{w['own_record']}", {"teacher", "school", "bureau"}),
        ("exchanges.record", "GET", f"/exchanges/records/{w['other_record']}", {"bureau"}),
        ("exchanges.record_report", "POST", f"/exchanges/records/{w['own_record']}/report", {"bureau"}),
        ("exchanges.record_incident", "POST", f"/exchanges/records/{w['own_record']}/incident", {"bureau"}),
        ("exchanges.record_decide", "POST", f"/exchanges/records/{w['own_record']}/decide", {"bureau"}),
        ("exchanges.record_kind", "POST", f"/exchanges/records/{w['own_record']}/kind", {"bureau"}),
        ("exchanges.record_end", "POST", f"/exchanges/records/{w['own_record']}/end", {"bureau"}),
        ("exchanges.record_certify", "POST", f"/exchanges/records/{w['own_record']}/certificate", {"bureau"}),
        # then 404: no certificate issued yet, for those who may read the exchange
        ("exchanges.certificate", "GET", f"/exchanges/records/{w['own_record']}/certificate", SIGNED_IN),
        ("exchanges.certificate", "GET", f"/exchanges/records/{w['other_record']}/certificate", {"bureau"}),
        ("exchanges.verify", "GET", "/certificates/verify?no=2030-00001-ABCDEF", EVERYONE),  # the public page
        ("exchanges.school", "GET", f"/exchanges/schools/{w['own_school']}", {"school", "bureau"}),
        ("exchanges.school", "GET", f"/exchanges/schools/{w['other_school']}", {"bureau"}),
        (
            "exchanges.school_assessments",
            "GET",
            f"/exchanges/schools/{w['own_school']}/assessments?school_year=2027",
            {"school", "bureau"},
        ),
        ("exchanges.school_assessments", "GET", f"/exchanges/schools/{w['other_school']}/assessments", {"bureau"}),
        ("exchanges.assessments", "GET", "/exchanges/assessments?school_year=2027", {"bureau"}),
        ("exchanges.assessments_review", "POST", f"/exchanges/assessments/{w['own_school']}/review", {"bureau"}),
        ("exchanges.ending", "GET", "/exchanges/ending?year=2030", {"bureau"}),
        ("exchanges.experience", "GET", "/exchanges/experience?has=no", {"bureau"}),
        ("exchanges.experience_xlsx", "GET", "/exchanges/experience.xlsx", {"bureau"}),
        ("exchanges.kinds", "GET", f"/exchanges/{r}/kinds", {"school", "bureau"}),
        ("exchanges.policy", "GET", f"/exchanges/{r}/policy", {"bureau"}),
        # 跨校竞聘's pages: this world's round is a fair, so the allowed get 404 (not a 竞聘 round)
        # after the access check; tests/matchapp/test_procedures.py drives them in a 竞聘 round.
        ("procedures.procedure", "POST", f"/procedures/{r}/procedure", {"bureau"}),
        ("procedures.school", "GET", f"/procedures/{r}/schools/{w['own_school']}", {"school", "bureau"}),
        ("procedures.school", "GET", f"/procedures/{r}/schools/{w['other_school']}", {"bureau"}),
        ("procedures.post_publish", "POST", f"/procedures/{r}/schools/{w['other_school']}/posts", {"bureau"}),
        ("procedures.post_withdraw", "POST", f"/procedures/{r}/posts/{w['post_there']}/withdraw", {"bureau"}),
        ("procedures.post_withdraw", "POST", f"/procedures/{r}/posts/{w['post_here']}/withdraw", {"school", "bureau"}),
        ("procedures.application_decide", "POST", f"/procedures/{r}/applications/999999", {"school", "bureau"}),
        ("procedures.scores", "GET", f"/procedures/{r}/posts/{w['post_there']}/scores", {"bureau"}),
        ("procedures.scores", "GET", f"/procedures/{r}/posts/{w['post_here']}/scores", {"school", "bureau"}),
        ("procedures.scores_import", "POST", f"/procedures/{r}/posts/{w['post_there']}/scores/import", {"bureau"}),
        ("procedures.scores_template", "GET", f"/procedures/{r}/posts/{w['post_there']}/scores.xlsx", {"bureau"}),
        ("procedures.teacher_apply", "GET", f"/procedures/{r}/apply", {"teacher"}),
        ("api.openapi", "GET", "/api/openapi.json", EVERYONE),
        ("api.token", "POST", "/api/v1/token", EVERYONE),  # 400 without credentials, never 401/403
        ("api.posts", "GET", f"/api/v1/rounds/{r}/posts", SIGNED_IN),
        ("api.preferences", "GET", f"/api/v1/rounds/{r}/preferences", {"teacher"}),
        ("api.ranking", "GET", f"/api/v1/rounds/{r}/posts/{w['post_here']}/ranking", {"school", "bureau"}),
        ("api.ranking", "GET", f"/api/v1/rounds/{r}/posts/{w['post_there']}/ranking", {"bureau"}),
        ("api.run", "POST", f"/api/v1/rounds/{r}/run", {"bureau"}),
        ("api.results", "GET", f"/api/v1/rounds/{r}/results", SIGNED_IN),  # each their own part
        ("api.job", "GET", "/api/v1/jobs/999999", SIGNED_IN),  # 404 for all: no such job
        ("api.tokens", "GET", "/api/v1/tokens", SIGNED_IN),
        ("api.token_logout", "DELETE", "/api/v1/token", SIGNED_IN),  # then 400: a session call needs its CSRF header
        ("api.token_revoke", "DELETE", "/api/v1/tokens/999999", SIGNED_IN),
    ]


def _refused(role: str, response) -> bool:
    if response.status_code in (401, 403):
        return True
    location = response.headers.get("Location", "")
    return role == "anon" and response.status_code == 302 and "/login" in location


def test_every_route_is_classified(app, world):
    classified = {endpoint for endpoint, *_ in cases(world)}
    routes = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert routes - classified == set(), "classify the new routes in this test"


@pytest.mark.parametrize("role", ROLES)
def test_every_route_as_each_role(app, world, role):
    client = app.test_client()
    if role != "anon":
        client.post("/login", data={"username": world["users"][role].username, "password": "password123"})
    wrong = []
    for endpoint, method, url, allowed in cases(world):
        if endpoint == "auth.logout":
            continue  # would end this client's session; covered in test_auth
        response = client.open(url, method=method, data={})
        refused = _refused(role, response)
        if response.status_code >= 500:
            wrong.append(f"{method} {url}: {response.status_code}")
        elif (role in allowed) == refused and not (endpoint == "home.root"):
            wrong.append(
                f"{method} {url}: {response.status_code} for {role} ({'allowed' if role in allowed else 'refused'} expected)"
            )
        response.close()
    assert wrong == []
