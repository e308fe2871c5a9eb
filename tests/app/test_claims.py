"""OIDC claims to an account (app/claims.py): good claims give the account, a bad or missing
claim an AccountError whose message names the claim and what was wrong."""

from __future__ import annotations

import pytest

from app.accounts import AccountError, make_account
from app.claims import ClaimMapping, OidcIdentity, account_from_claims, mapping_from


@pytest.mark.parametrize(
    ("claims", "expected"),
    [
        ({"email": " Kim@Kommune.DK ", "lat_role": "coordinator", "lat_municipalities": "0101, 147"},
         ("kim@kommune.dk", "coordinator", ("101", "147"), None)),
        ({"email": "k@x.dk", "lat_role": "coordinator", "lat_municipalities": ["147", "0147"]},
         ("k@x.dk", "coordinator", ("147",), None)),
        ({"sub": "W-1", "lat_role": "worker", "lat_worker_id": "W101-1"},
         ("w-1", "worker", (), "W101-1")),
        ({"email": "eva@x.dk", "lat_role": ["admin", "national"]},
         ("eva@x.dk", "national", (), None)),  # the first value that is a LAT role
        ({"email": "boss@x.dk", "lat_role": "viewer", "lat_municipalities": []},
         ("boss@x.dk", "viewer", (), None)),
    ],
)  # fmt: skip
def test_good_claims_give_the_account(claims, expected):
    account = account_from_claims(claims)
    assert (account.name, account.role, account.municipalities, account.worker_id) == expected


def test_the_mapping_names_other_claims_and_maps_group_names_to_roles():
    mapping = {"role_claim": "groups", "name_claim": "upn", "municipalities_claim": "kommuner",
               "role_values": {"LAT-Koordinatorer": "coordinator"}}  # fmt: skip
    claims = {"upn": "Ida", "groups": ["Alle", "LAT-Koordinatorer"], "kommuner": "751"}
    account = account_from_claims(claims, mapping)
    assert (account.name, account.role, account.municipalities) == ("ida", "coordinator", ("751",))


@pytest.mark.parametrize(
    ("claims", "message"),
    [
        ({"email": "a@b.dk"}, "claim 'lat_role': no LAT role .*; it is missing"),
        ({"email": "a@b.dk", "lat_role": "admin"}, "claim 'lat_role': no LAT role .*; got 'admin'"),
        ({"lat_role": "viewer"}, "claims 'email' and 'sub': no user name"),
        ({"email": "a@b.dk", "lat_role": "coordinator"},
         "a coordinator needs at least one municipality code in claim 'lat_municipalities'"),
        ({"email": "a@b.dk", "lat_role": "coordinator", "lat_municipalities": "9999"},
         "claim 'lat_municipalities': .*'9999'"),
        ({"email": "a@b.dk", "lat_role": "coordinator", "lat_municipalities": "abc"},
         "claim 'lat_municipalities': .*'abc'"),
        ({"email": "a@b.dk", "lat_role": "national", "lat_municipalities": "101"},
         "the role national sees the whole country; claim 'lat_municipalities' must be empty"),
        ({"email": "a@b.dk", "lat_role": "worker"},
         "a worker needs a worker id in claim 'lat_worker_id'"),
        ({"email": "a@b.dk", "lat_role": "worker", "lat_worker_id": "  "},
         "a worker needs a worker id in claim 'lat_worker_id'"),
        ({"email": "a@b.dk", "lat_role": "viewer", "lat_worker_id": "W1"},
         "claim 'lat_worker_id' is only for the role worker, not viewer"),
    ],
)  # fmt: skip
def test_a_bad_or_missing_claim_is_refused_with_a_message_naming_it(claims, message):
    with pytest.raises(AccountError, match=message):
        account_from_claims(claims)


def test_the_message_names_the_claim_the_mapping_reads():
    with pytest.raises(AccountError, match="claim 'kommuner'"):
        account_from_claims({"email": "a", "lat_role": "coordinator"},
                            {"municipalities_claim": "kommuner"})  # fmt: skip


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"role_values": {"LAT-Chef": "boss"}}, r"\[lat.oidc\] role_values.LAT-Chef: .*'viewer'"),
        ({"role_claim": ""}, r"\[lat.oidc\] role_claim: .*at least 1 character"),
    ],
)
def test_a_wrong_mapping_says_which_setting(settings, message):
    with pytest.raises(AccountError, match=message):
        mapping_from(settings)


def test_the_defaults_are_the_documented_claims():
    assert ClaimMapping().model_dump() == {
        "name_claim": "email", "role_claim": "lat_role",
        "municipalities_claim": "lat_municipalities", "worker_id_claim": "lat_worker_id",
        "provider": "", "role_values": {},
    }  # fmt: skip


def test_an_identity_is_frozen_and_its_name_need_not_be_a_local_account_name():
    identity = OidcIdentity.from_claims({"email": "Anne Ø <a@b.dk>", "lat_role": "viewer"},
                                        ClaimMapping())  # fmt: skip
    assert identity.account().name == "anne ø <a@b.dk>"
    with pytest.raises(AccountError):  # the local store holds names to a-z, digits and . _ @ -
        make_account("anne ø <a@b.dk>", "viewer")
    with pytest.raises(ValueError, match="frozen"):
        identity.role = "national"  # type: ignore[misc]
