"""What a password must be (pure): at least 8 characters from at least 3 of upper case, lower
case, digits and symbols; not the username; not a common password. Messages say what is missing."""

from __future__ import annotations

from flask_babel import gettext as _

MIN_LENGTH = 8
MAX_LENGTH = 128

# The passwords people choose first (and variations the rules above would let through).
COMMON = frozenset(
    p.lower()
    for p in (
        "Password1",
        "Password1!",
        "Passw0rd",
        "Passw0rd!",
        "P@ssw0rd",
        "P@ssword1",
        "Qwerty123",
        "Qwerty123!",
        "Abc12345",
        "Abcd1234",
        "Abc@1234",
        "Aa123456",
        "Aa123456!",
        "Admin123",
        "Admin@123",
        "Welcome1",
        "Welcome@1",
        "Iloveyou1",
        "Changeme1",
        "Test1234",
        "Test@123",
        "1qaz@WSX",
        "1qaz!QAZ",
        "Zaq12wsx",
        "Woaini1314",
        "Woaini520",
        "Root1234",
        "Teacher123",
        "Teacher@123",
        "School123",
        "Jiaoyu123",
        "Jiaoshi123",
        "Qq123456",
        "Qq123456!",
        "A1234567",
        "A12345678",
        "Asdf1234",
        "Asd123456",
    )
)


def password_problems(password: str, username: str = "") -> list[str]:
    """Why ``password`` is not acceptable (empty when it is)."""
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(_("至少%(n)s个字符", n=MIN_LENGTH))
    if len(password) > MAX_LENGTH:
        problems.append(_("不超过%(n)s个字符", n=MAX_LENGTH))
    classes = sum(
        (
            any(c.isupper() for c in password),
            any(c.islower() for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() for c in password),
        )
    )
    if classes < 3:
        problems.append(_("须包含大写字母、小写字母、数字、符号中的至少三种"))
    if username and username.lower() in password.lower():
        problems.append(_("不能包含用户名"))
    if password.lower() in COMMON:
        problems.append(_("是常见密码，容易被猜到"))
    return problems
