"""Password hashing (argon2id, argon2-cffi) and the password policy of NIST SP 800-63B: a length
range, no composition rules, and a check against common passwords and the account's own name.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from functools import lru_cache

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 15
#: NIST asks verifiers to accept at least 64 characters; passphrases deserve room to spare.
MAX_LENGTH = 256


#: OWASP's Password Storage Cheat Sheet lists five argon2id settings of equal strength (m=47 MiB
#: t=1, m=19 MiB t=2, m=12 MiB t=3, m=9 MiB t=4, m=7 MiB t=5, each p=1). This is its second: 19 MiB
#: keeps most of the memory hardness that makes GPU guessing dear while t=2 costs 24 ms of CPU,
#: against 215 ms for argon2-cffi's defaults (RFC 9106's low-memory profile, t=3, m=64 MiB, p=4),
#: under which 50 sign-ins at once on 2 workers waited 5-6 s (p95). Hashes made with other
#: parameters are replaced at the next sign-in (aim.services.users.authenticate, needs_rehash).
def owasp_hasher() -> PasswordHasher:
    return PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1, type=Type.ID)


#: The hasher every function here uses; tests swap in a cheap one, production never changes it.
hasher = owasp_hasher()

# A dummy hash is verified when an email is unknown, so that a wrong email takes as long as a
# wrong password and response times do not reveal which accounts exist. Cached per hasher.
_dummy: dict[PasswordHasher, str] = {}


def normalize(password: str) -> str:
    """NFKC, as NIST SP 800-63B asks, so the same passphrase typed on two keyboards (composed or
    decomposed accents, full-width digits) is the same password."""
    return unicodedata.normalize("NFKC", password)


def hash_password(password: str) -> str:
    """An argon2id hash of `password`, with its own random salt and the parameters in it."""
    return hasher.hash(normalize(password))


def verify_password(password: str, password_hash: str) -> bool:
    """Does `password` match `password_hash`? False, never an exception, for a wrong password
    and for a damaged or foreign hash alike (a login must fail closed, not crash)."""
    try:
        return hasher.verify(password_hash, normalize(password))
    except (VerificationError, InvalidHashError, TypeError, ValueError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """Was the hash made with other parameters than today's? Then it is replaced at the next
    successful login, the only moment the password is known."""
    try:
        return hasher.check_needs_rehash(password_hash)
    except (InvalidHashError, TypeError, ValueError):
        return True


def dummy_hash() -> str:
    """A hash of a random secret with the current hasher's parameters, for timing parity."""
    if hasher not in _dummy:
        _dummy.clear()
        _dummy[hasher] = hasher.hash(secrets.token_urlsafe(32))
    return _dummy[hasher]


# -- the policy ----------------------------------------------------------------------------------
@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """zxcvbn's list of the 30,000 most common passwords (lower-cased), maintained by that
    package. Loaded on first use: it is a large module nobody needs until a password is set."""
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(p.lower() for p in FREQUENCY_LISTS["passwords"])


# Digits, punctuation and spaces around a word: "dragon2024!!!!!!!" is still "dragon".
_PADDING = re.compile(r"^[\W\d_]+|[\W\d_]+$")
_REPEATED = re.compile(r"(.+?)\1+", re.DOTALL)


def _is_common(password: str) -> bool:
    # With a 15-character minimum, few listed passwords qualify as they are; the real risk is a
    # listed password padded or repeated to length, which attackers try first.
    lowered = password.lower()
    compact = "".join(lowered.split())
    core = _PADDING.sub("", compact)
    listed = common_passwords()
    return lowered in listed or compact in listed or (bool(core) and core in listed)


def _is_pattern(password: str) -> bool:
    """One short unit repeated ("aaaa...", "abcabc...") or a run of consecutive characters
    ("abcdefgh...", "9876543...", "1234567890123...")."""
    if _REPEATED.fullmatch(password):
        return True
    steps = {_step(a, b) for a, b in zip(password, password[1:], strict=False)}
    return len(steps) == 1 and steps <= {1, -1}


def _step(a: str, b: str) -> int:
    if a.isdigit() and b.isdigit():  # digits wrap around: ...8, 9, 0, 1...
        diff = (int(b) - int(a)) % 10
        return {1: 1, 9: -1}.get(diff, 0)
    return ord(b) - ord(a)


def _name_parts(email: str | None) -> list[str]:
    """The local part of the email and its pieces ("ana.lopez" -> ana.lopez, lopez), lower-cased.
    Very short pieces are left out: forbidding every password that contains "al" helps no one."""
    if not email or "@" not in email:
        return []
    local = email.strip().lower().rsplit("@", 1)[0]
    parts = [p for p in re.split(r"[._+\-]+", local) if len(p) >= 4]
    return [local] * (len(local) >= 3) + [p for p in parts if p != local]


def check_password(password: str, *, email: str | None = None) -> list[str]:
    """What is wrong with `password` as a new password, one message per problem, each saying
    what to fix; an empty list means it is acceptable. No composition rules (NIST SP 800-63B):
    a long lower-case passphrase is a good password."""
    password = normalize(password)
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(
            f"Use at least {MIN_LENGTH} characters (this one has {len(password)}); "
            "a few unrelated words make a long password that is easy to remember."
        )
    if len(password) > MAX_LENGTH:
        # Nothing else is checked: the pattern search is quadratic, and the fix is clear enough.
        return [f"Use at most {MAX_LENGTH} characters (this one has {len(password)})."]
    if password and _is_common(password):
        problems.append(
            "This password is, or is built on, a commonly used password that attackers "
            "try first; choose a different one."
        )
    if len(password) > 1 and _is_pattern(password):
        problems.append(
            "Avoid a repeated or sequential pattern (like 'aaaa...', 'abcabc...' or "
            "'12345...'); choose a password without one."
        )
    lowered = password.lower()
    for part in _name_parts(email):
        if part in lowered:
            problems.append(f"Do not use '{part}' from your email address in the password.")
            break
    return problems
