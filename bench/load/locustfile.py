"""Fair day as browsers live it: teachers and school administrators sign in through the web form
and then use the pages and the JSON API with their session cookie.

Each user GETs /login, POSTs it with the form's csrf_token (and, like every request, the
X-Forwarded-For that nginx would add: one address per person, so the login rate limit stays on),
reads the CSRF token of the logout form on /home, and from then on sends it as X-CSRFToken on the
API's writes. Teachers read the posts and their preferences page and save and resubmit their lists;
schools read their home page and a post's ranking page and save rankings with their version.

The measured window starts when every user has signed in (the statistics are reset then) and lasts
MEASURE_SECONDS; then the run stops itself. Each user remembers the last list the server
acknowledged; at the end every acknowledgement (and every write still in flight) goes to ACK_FILE,
and what the sign-in phase looked like to SIGNIN_FILE, for bench/load/run.py.
"""

import itertools
import json
import os
import random
import re
import time
from urllib.parse import urlencode

import gevent
from locust import between, events, task
from locust.contrib.fasthttp import FastHttpUser
from locust.exception import StopUser

ROUND = int(os.environ.get("ROUND_ID", "1"))
HOSTS = json.loads(os.environ.get("HOSTS", '["http://127.0.0.1:8765"]'))
TEACHERS = json.loads(os.environ.get("TEACHERS", "[]"))
SCHOOLS = json.loads(os.environ.get("SCHOOLS", "[]"))
PASSWORD = os.environ.get("PASSWORD", "")
MEASURE_SECONDS = float(os.environ.get("MEASURE_SECONDS", "60"))
TOTAL = len(TEACHERS) + len(SCHOOLS)
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')

ACKS: dict[str, object] = {}
PENDING: dict[str, object] = {}
_people = itertools.count()  # every user, in order of creation: its host and its address
_teachers = iter(TEACHERS)
_schools = iter(SCHOOLS)
SIGNIN = {"started": None, "done": 0, "failed": 0, "all_signed_in_after": None, "by_host": {}}


def _start_measuring(environment) -> None:
    """Everyone has signed in: keep what the sign-in phase looked like, reset, measure, stop."""
    stats = environment.runner.stats
    SIGNIN["all_signed_in_after"] = round(time.time() - SIGNIN["started"], 1)
    SIGNIN["window"] = [time.time(), time.time() + MEASURE_SECONDS]  # for run.py's CPU accounting
    SIGNIN["requests"] = {
        name: {
            "requests": entry.num_requests,
            "failures": entry.num_failures,
            "median": entry.get_response_time_percentile(0.5),
            "p95": entry.get_response_time_percentile(0.95),
        }
        for (name, _method), entry in stats.entries.items()
    }
    SIGNIN["errors"] = [f"{e.name}: {e.error} ×{e.occurrences}" for e in stats.errors.values()][:20]
    stats.reset_all()

    def stop_after_window():
        gevent.sleep(MEASURE_SECONDS)
        environment.runner.quit()

    gevent.spawn(stop_after_window)


class Person(FastHttpUser):
    abstract = True
    wait_time = between(3, 10)  # a person reading, thinking, changing their mind

    def __init__(self, environment):
        index = next(_people)
        self.host = HOSTS[index % len(HOSTS)]  # users split between the servers
        super().__init__(environment)
        # What nginx would send as X-Forwarded-For: this person's own address.
        self.headers = {"X-Forwarded-For": f"10.{1 + index // 250}.{index % 250}.1"}

    def sign_in(self, username: str) -> None:
        if SIGNIN["started"] is None:
            SIGNIN["started"] = time.time()
        ok = False
        try:
            page = self.client.get("/login", name="sign-in: GET /login", headers=self.headers)
            token = CSRF.search(page.text or "")
            if token:
                with self.client.post(
                    "/login",
                    data=urlencode({"username": username, "password": PASSWORD, "csrf_token": token.group(1)}),
                    headers={**self.headers, "Content-Type": "application/x-www-form-urlencoded"},
                    name="sign-in: POST /login",
                    allow_redirects=False,
                    catch_response=True,
                ) as answer:
                    if answer.status_code == 302 and answer.headers.get("Location", "").endswith("/home"):
                        answer.success()
                    else:
                        answer.failure(f"sign-in refused: {answer.status_code}")
                home = self.client.get("/home", name="sign-in: GET /home", headers=self.headers)
                signed_in = home.status_code == 200 and 'action="/logout"' in (home.text or "")
                logout_token = CSRF.search(home.text or "") if signed_in else None
                if logout_token:
                    # The logout form's token is the session's CSRF token: the API's writes send it.
                    self.write_headers = {**self.headers, "X-CSRFToken": logout_token.group(1)}
                    ok = True
        finally:
            SIGNIN["done" if ok else "failed"] += 1
            SIGNIN["by_host"][self.host] = SIGNIN["by_host"].get(self.host, 0) + ok
            if SIGNIN["done"] + SIGNIN["failed"] == TOTAL:
                _start_measuring(self.environment)
        if not ok:
            raise StopUser()

    def page(self, path: str, name: str) -> None:
        with self.client.get(path, name=name, headers=self.headers, catch_response=True) as response:
            # A page that bounced to the login form would still be a 200: check it is still ours.
            if response.status_code == 200 and 'action="/logout"' in (response.text or ""):
                response.success()
            else:
                response.failure(f"{response.status_code}: not signed in any more?")


class Teacher(Person):
    fixed_count = len(TEACHERS)

    def on_start(self):
        self.username = next(_teachers)
        self.sign_in(self.username)
        answer = self.client.get(f"/api/v1/rounds/{ROUND}/posts", name="api: GET posts", headers=self.headers)
        self.schools = [p["school"] for p in answer.json()["posts"]] if answer.status_code == 200 else []

    @task(2)
    def read_posts(self):
        self.client.get(f"/api/v1/rounds/{ROUND}/posts", name="api: GET posts", headers=self.headers)

    @task(1)
    def preferences_page(self):
        self.page(f"/fair/{ROUND}/preferences", "page: preferences")

    @task(1)
    def home_page(self):
        self.page("/home", "page: home")

    @task(3)
    def resubmit(self):
        if not self.schools:
            return
        choice = random.sample(self.schools, min(len(self.schools), random.randint(3, 8)))
        PENDING[self.username] = choice  # sent; if the run stops before the answer, it may be stored unacknowledged
        with self.client.put(
            f"/api/v1/rounds/{ROUND}/preferences",
            json={"schools": choice, "submit": True},
            name="api: PUT preferences",
            catch_response=True,
            headers=self.write_headers,
        ) as response:
            if response.status_code == 200 and response.json()["submitted"] == choice:
                ACKS[self.username] = choice
                PENDING.pop(self.username, None)
                response.success()
            else:
                response.failure(f"{response.status_code}: {(response.text or '')[:200]}")


class School(Person):
    fixed_count = len(SCHOOLS)

    def on_start(self):
        self.username = next(_schools)
        self.sign_in(self.username)
        answer = self.client.get(f"/api/v1/rounds/{ROUND}/posts", name="api: GET posts", headers=self.headers)
        self.posts = [p["id"] for p in answer.json()["posts"]] if answer.status_code == 200 else []

    @task(1)
    def home_page(self):
        self.page("/home", "page: home")

    @task(1)
    def ranking_page(self):
        if self.posts:
            self.page(f"/fair/{ROUND}/posts/{random.choice(self.posts)}/ranking", "page: ranking")

    @task(3)
    def rank(self):
        if not self.posts:
            return
        post = random.choice(self.posts)
        current = self.client.get(
            f"/api/v1/rounds/{ROUND}/posts/{post}/ranking", name="api: GET ranking", headers=self.headers
        )
        if current.status_code != 200:
            return
        current = current.json()
        people = [c["id"] for c in current["candidates"]]
        random.shuffle(people)
        groups = [people[k : k + 2] for k in range(0, len(people), 2)]
        body = {"groups": groups, "version": current["ranking"]["version"], "submit": False}
        key = f"{self.username}/{post}"
        PENDING[key] = [sorted(g) for g in groups]
        with self.client.put(
            f"/api/v1/rounds/{ROUND}/posts/{post}/ranking",
            json=body,
            name="api: PUT ranking",
            catch_response=True,
            headers=self.write_headers,
        ) as response:
            if response.status_code == 200:
                ACKS[key] = [sorted(g) for g in response.json()["ranking"]["groups"]]
                PENDING.pop(key, None)
                response.success()
            elif response.status_code == 409:
                # Refused, as it should be: a candidate withdrew between the read and the save
                # (a teacher resubmitted without this school). Nothing was written or acknowledged.
                PENDING.pop(key, None)
                response.success()
            else:
                response.failure(f"{response.status_code}: {(response.text or '')[:200]}")


@events.test_stop.add_listener
def _write_results(**_):
    with open(os.environ["ACK_FILE"], "w", encoding="utf-8") as handle:
        json.dump({"acks": ACKS, "pending": PENDING}, handle, ensure_ascii=False)
    with open(os.environ["SIGNIN_FILE"], "w", encoding="utf-8") as handle:
        json.dump(SIGNIN, handle, ensure_ascii=False)
