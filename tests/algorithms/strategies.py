"""Hypothesis strategies for random fair instances (as exchange-format documents)."""

from hypothesis import strategies as st

TIERS = ("strong", "ordinary", "weak")


@st.composite
def instance_docs(
    draw,
    ties=False,
    max_teachers=14,
    max_schools=6,
    subjects=("math", "music"),
    zero_capacity=True,
    zones=("东片", "西片"),
    max_capacity=3,
):
    """A valid instance document: incomplete lists on both sides, capacities 0-3, optional ties."""
    n_schools = draw(st.integers(2, max_schools))
    n_teachers = draw(st.integers(1, max_teachers))
    schools = [
        {
            "id": f"S{j}",
            "name": f"第{j}学校",
            "tier": draw(st.sampled_from(TIERS)),
            "zone": draw(st.sampled_from(zones)),
        }
        for j in range(n_schools)
    ]
    posts = {}
    for j in range(n_schools):
        for subject in subjects:
            if draw(st.booleans()):
                low = 0 if zero_capacity else 1
                posts[(j, subject)] = {
                    "school": f"S{j}",
                    "subject": subject,
                    "capacity": draw(st.integers(low, max_capacity)),
                    "ranking": [],
                }
    teachers = []
    for i in range(n_teachers):
        home = draw(st.integers(0, n_schools - 1))
        subject = draw(st.sampled_from(subjects))
        options = [f"S{j}" for j in range(n_schools) if j != home and (j, subject) in posts]
        order = draw(st.permutations(options)) if options else []
        length = draw(st.integers(0, len(order)))
        teachers.append(
            {
                "id": f"T{i:02d}",
                "name": f"教师{i}",
                "school": f"S{home}",
                "subject": subject,
                "backbone": draw(st.booleans()),
                "preferences": list(order[:length]),
            }
        )
    for (_, subject), post in posts.items():
        pool = [t["id"] for t in teachers if t["subject"] == subject]
        ranked = list(draw(st.permutations(pool)))
        ranked = ranked[: draw(st.integers(0, len(ranked)))]
        if ties and ranked:
            groups, k = [], 0
            while k < len(ranked):
                size = draw(st.integers(1, 3))
                group = ranked[k : k + size]
                groups.append(group if len(group) > 1 else group[0])
                k += size
            ranked = groups
        post["ranking"] = ranked
    return {
        "format": "matchapp.instance/1",
        "seed": draw(st.integers(0, 2**31)),
        "schools": schools,
        "teachers": teachers,
        "posts": list(posts.values()),
    }


TAGS = ("学历:本科及以上", "职称:高级及以上", "称号:市骨干教师")


@st.composite
def constrained_docs(draw, reserves=True, exclusions=True, **kwargs):
    """An instance document with the optional constraints: seats reserved for backbone teachers,
    requirements and qualifications, and teachers a post refuses outright. Rankings leave out
    the teachers a post may not rank (refused, or lacking a requirement)."""
    doc = draw(instance_docs(**kwargs))
    held = {}
    for teacher in doc["teachers"]:
        quals = draw(st.lists(st.sampled_from(TAGS), unique=True, max_size=3)) if exclusions else []
        held[teacher["id"]] = set(quals)
        if quals or draw(st.booleans()):
            teacher["qualifications"] = quals
    subject_of = {t["id"]: t["subject"] for t in doc["teachers"]}
    for post in doc["posts"]:
        if exclusions and draw(st.integers(0, 3)) == 0:
            post["requires"] = draw(st.lists(st.sampled_from(TAGS), unique=True, min_size=1, max_size=2))
        need = set(post.get("requires", []))

        def fits(tid, need=need):
            return need <= held[tid]

        ranking = []
        for item in post["ranking"]:
            group = [t for t in (item if isinstance(item, list) else [item]) if fits(t)]
            if group:
                ranking.append(group if len(group) > 1 else group[0])
        post["ranking"] = ranking
        ranked = {t for item in ranking for t in (item if isinstance(item, list) else [item])}
        others = sorted(t for t, s in subject_of.items() if s == post["subject"] and t not in ranked)
        if exclusions and others and draw(st.booleans()):
            post["refused"] = draw(st.lists(st.sampled_from(others), unique=True, max_size=len(others)))
        if reserves and post["capacity"] and draw(st.booleans()):
            post["backbone_seats"] = draw(st.integers(0, post["capacity"]))
    return doc


@st.composite
def reserve_markets(draw, max_teachers=6, max_posts=3):
    """A small crowded market of one subject where seats reserved for backbone teachers matter:
    every teacher lists most posts, every post ranks most teachers, capacities of 1 or 2."""
    n_posts = draw(st.integers(1, max_posts))
    n = draw(st.integers(2, max_teachers))
    schools = [{"id": "H"}] + [{"id": f"P{k}"} for k in range(n_posts)]
    teachers = []
    for i in range(n):
        order = draw(st.permutations([f"P{k}" for k in range(n_posts)]))
        teachers.append(
            {
                "id": f"T{i}",
                "school": "H",
                "subject": "m",
                "backbone": draw(st.booleans()),
                "preferences": list(order[: draw(st.integers(1, n_posts))]),
            }
        )
    posts = []
    for k in range(n_posts):
        capacity = draw(st.integers(1, 2))
        ranking = list(draw(st.permutations([t["id"] for t in teachers])))
        posts.append(
            {
                "school": f"P{k}",
                "subject": "m",
                "capacity": capacity,
                "backbone_seats": draw(st.integers(0, capacity)),
                "ranking": ranking[: draw(st.integers(max(1, n - 2), n))],
            }
        )
    return {"format": "matchapp.instance/1", "schools": schools, "teachers": teachers, "posts": posts}
