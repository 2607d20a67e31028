"""Fair day: 500 teachers and 40 schools read posts and save and resubmit their lists, through the API.

Each user remembers the last list the server acknowledged (HTTP 200 with the saved list); at the
end every user's acknowledgement is written to ACK_FILE so that bench/load/run.py can compare it
with what the database holds.
"""

import json
import os
import random
import threading

from locust import between, events, task
from locust.contrib.fasthttp import FastHttpUser

ROUND = int(os.environ.get("ROUND_ID", "1"))
ACKS: dict[str, object] = {}
PENDING: dict[str, object] = {}
_lock = threading.Lock()
_teachers = iter(json.loads(os.environ["TEACHERS"]))
_schools = iter(json.loads(os.environ["SCHOOLS"]))
PASSWORD = os.environ["PASSWORD"]


def _login(user, username):
    response = user.client.post("/api/v1/token", json={"username": username, "password": PASSWORD}, name="token")
    user.auth = {"Authorization": f"Bearer {response.json()['token']}"}


class Teacher(FastHttpUser):
    fixed_count = 500
    wait_time = between(3, 10)  # a person reading, thinking, changing their mind

    def on_start(self):
        with _lock:
            self.username = next(_teachers)
        _login(self, self.username)
        self.schools = [
            p["school"]
            for p in self.client.get(f"/api/v1/rounds/{ROUND}/posts", name="posts", headers=self.auth).json()["posts"]
        ]

    @task(2)
    def read_posts(self):
        self.client.get(f"/api/v1/rounds/{ROUND}/posts", name="posts", headers=self.auth)

    @task(3)
    def resubmit(self):
        choice = random.sample(self.schools, min(len(self.schools), random.randint(3, 8)))
        PENDING[self.username] = choice  # sent; if the run stops before the answer, it may be stored unacknowledged
        with self.client.put(
            f"/api/v1/rounds/{ROUND}/preferences",
            json={"schools": choice, "submit": True},
            name="preferences",
            catch_response=True,
            headers=self.auth,
        ) as response:
            if response.status_code == 200 and response.json()["submitted"] == choice:
                ACKS[self.username] = choice
                PENDING.pop(self.username, None)
                response.success()
            else:
                response.failure(f"{response.status_code}: {response.text[:200]}")


class School(FastHttpUser):
    fixed_count = 40
    wait_time = between(3, 10)

    def on_start(self):
        with _lock:
            self.username = next(_schools)
        _login(self, self.username)
        self.posts = [
            p["id"]
            for p in self.client.get(f"/api/v1/rounds/{ROUND}/posts", name="posts", headers=self.auth).json()["posts"]
        ]

    @task
    def rank(self):
        if not self.posts:
            return
        post = random.choice(self.posts)
        current = self.client.get(
            f"/api/v1/rounds/{ROUND}/posts/{post}/ranking", name="ranking", headers=self.auth
        ).json()
        people = [c["id"] for c in current["candidates"]]
        random.shuffle(people)
        groups = [people[k : k + 2] for k in range(0, len(people), 2)]
        body = {"groups": groups, "version": current["ranking"]["version"], "submit": False}
        PENDING[f"{self.username}/{post}"] = [sorted(g) for g in groups]
        with self.client.put(
            f"/api/v1/rounds/{ROUND}/posts/{post}/ranking",
            json=body,
            name="ranking save",
            catch_response=True,
            headers=self.auth,
        ) as response:
            if response.status_code == 200:
                ACKS[f"{self.username}/{post}"] = [sorted(g) for g in response.json()["ranking"]["groups"]]
                PENDING.pop(f"{self.username}/{post}", None)
                response.success()
            elif response.status_code == 409:
                # Refused, as it should be: someone saved in between (stale), or a candidate withdrew
                # between the read and the save. Nothing was written; nothing is acknowledged.
                PENDING.pop(f"{self.username}/{post}", None)
                response.success()
            else:
                response.failure(f"{response.status_code}: {response.text[:200]}")


@events.test_stop.add_listener
def _write_acks(**_):
    with open(os.environ["ACK_FILE"], "w", encoding="utf-8") as handle:
        json.dump({"acks": ACKS, "pending": PENDING}, handle, ensure_ascii=False)
