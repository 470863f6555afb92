"""Password hashing with argon2id and the NIST SP 800-63B policy of aim/passwords.py."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher, Type
from argon2.profiles import RFC_9106_LOW_MEMORY
from zxcvbn.frequency_lists import FREQUENCY_LISTS

from aim import passwords
from aim.passwords import check_password, hash_password, needs_rehash, verify_password
from tests.accounts import CHEAP, PASSWORD

#: A listed password that is long enough to pass the length rule, taken from the package's list.
LONG_COMMON = next(p for p in FREQUENCY_LISTS["passwords"] if len(p) >= 15 and p.isalnum())


def test_production_hashing_uses_owasps_argon2id_setting_of_19_mib_and_two_passes():
    params = passwords.hasher
    assert (params.type, params.memory_cost, params.time_cost, params.parallelism) == (Type.ID, 19456, 2, 1)


def test_a_hash_made_with_the_former_rfc_9106_defaults_needs_rehashing():
    # What every account created before the change holds: argon2-cffi's defaults.
    former = PasswordHasher.from_parameters(RFC_9106_LOW_MEMORY).hash(PASSWORD)
    assert needs_rehash(former) is True
    assert needs_rehash(hash_password(PASSWORD)) is False


def test_a_hash_is_argon2id_and_does_not_contain_the_password(fast_hashing):
    hashed = hash_password(PASSWORD)
    assert hashed.startswith("$argon2id$") and PASSWORD not in hashed


def test_two_hashes_of_one_password_differ_by_their_salt(fast_hashing):
    assert hash_password(PASSWORD) != hash_password(PASSWORD)


def test_the_right_password_verifies(fast_hashing):
    assert verify_password(PASSWORD, hash_password(PASSWORD)) is True


def test_a_wrong_password_does_not_verify(fast_hashing):
    assert verify_password(PASSWORD + "!", hash_password(PASSWORD)) is False


@pytest.mark.parametrize(
    "bad_hash",
    [
        "",
        "not a hash",
        "$argon2id$v=19$m=8,t=1,p=1$abc$def",
        "$2b$12$abcdefghijklmnopqrstuvwxyz012345678901234567890123",
    ],
)
def test_a_damaged_or_foreign_hash_verifies_false_instead_of_raising(bad_hash):
    assert verify_password(PASSWORD, bad_hash) is False


def test_a_password_in_another_unicode_normal_form_verifies(fast_hashing):
    composed, decomposed = "caf\u00e9 on the corner of fifth", "cafe\u0301 on the corner of fifth"
    assert verify_password(decomposed, hash_password(composed))


def test_a_hash_made_with_other_parameters_needs_rehashing(fast_hashing, monkeypatch):
    old = hash_password(PASSWORD)
    monkeypatch.setattr(passwords, "hasher", PasswordHasher(**{**CHEAP, "time_cost": 2}))
    assert needs_rehash(old) is True


def test_a_hash_made_with_the_current_parameters_needs_no_rehashing(fast_hashing):
    assert needs_rehash(hash_password(PASSWORD)) is False


def test_the_dummy_hash_follows_the_current_hasher(fast_hashing):
    assert "m=8,t=1,p=1" in passwords.dummy_hash()


# -- the policy --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "password",
    [
        pytest.param("river otters 15", id="exactly 15 characters"),
        pytest.param("lowercase words only here", id="no composition rules"),
        pytest.param("correct horse battery staple " * 2 + "foggy!", id="64 characters"),
        pytest.param(("one quiet owl per rooftop " * 10)[:255] + "z", id="256 characters"),
        pytest.param(
            "\u6c34\u6ce2\u304c\u9759\u304b\u306b\u5cb8\u3092\u6d17\u3046\u591c\u3067\u3059\u306d\u3002",
            id="15 Japanese characters",
        ),
    ],
)
def test_acceptable_passwords_get_no_messages(password):
    assert check_password(password) == []


@pytest.mark.parametrize("length", [0, 1, 8, 14])
def test_a_password_shorter_than_15_characters_is_refused_saying_how_long_it_must_be(length):
    messages = check_password("qwzjvkbx tplmrhd"[:length])
    assert any("at least 15 characters" in m and f"has {length})" in m for m in messages)


def test_a_password_longer_than_256_characters_is_refused_saying_the_limit():
    assert check_password("k" + "quiet owls " * 30) == ["Use at most 256 characters (this one has 331)."]


def test_a_password_from_the_zxcvbn_common_list_is_refused():
    assert any("commonly used password" in m for m in check_password(LONG_COMMON))


def test_a_common_password_in_capitals_is_still_refused():
    assert any("commonly used password" in m for m in check_password(LONG_COMMON.upper()))


def test_a_common_password_padded_with_digits_and_symbols_is_refused():
    assert any("commonly used password" in m for m in check_password("dragon1234567!!!!"))


@pytest.mark.parametrize(
    "password",
    [
        "aaaaaaaaaaaaaaaaaaaa",
        "abcabcabcabcabcabc",
        "passwordpassword",
        "abcdefghijklmnopqr",
        "1234567890123456",
        "zyxwvutsrqponmlkj",
    ],
)
def test_repeated_or_sequential_patterns_are_refused(password):
    assert any("repeated or sequential" in m for m in check_password(password))


def test_a_password_containing_the_email_local_part_is_refused_naming_it():
    messages = check_password("I am ana.lopez and I approve", email="Ana.Lopez@City.gov")
    assert "Do not use 'ana.lopez' from your email address in the password." in messages


def test_a_password_containing_a_longer_piece_of_the_email_name_is_refused():
    messages = check_password("lopez family reunion of 2026", email="ana.lopez@city.gov")
    assert "Do not use 'lopez' from your email address in the password." in messages


def test_short_pieces_of_the_email_name_do_not_forbid_ordinary_words():
    assert check_password("a banana for the harbor master", email="al.ng@city.gov") == []


def test_every_problem_is_reported_at_once():
    assert len(check_password("ana", email="ana@city.gov")) == 2  # too short, and the name
