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
