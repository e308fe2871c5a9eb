"""OpenID Connect: the claims of an identity token, checked, and the account they give.

`ClaimMapping` is `[lat.oidc]` in secrets.toml (which claim holds what, and the IdP's group
names for LAT roles); `OidcIdentity` is what one token says of its user, validated by pydantic:
a name, one LAT role, municipality codes the role needs, a worker id for a worker. A bad or
missing claim is an `AccountError` whose message names the claim and what was wrong, e.g.
"claim 'lat_municipalities': '9999' is not one of the 98 municipality codes". The dashboard
writes it to the audit trail with the refusal (app/auth.py). No Streamlit here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from app.accounts import Account, AccountError, normalise_municipality, role_problem
from app.scope import ROLES

Role = Literal["national", "coordinator", "worker", "viewer"]  # app.scope.ROLES, checked below
assert set(Role.__args__) == set(ROLES), "app.claims.Role must list app.scope.ROLES"

# what a role needs that the token lacks (app.accounts.role_problem), said in claim terms
PROBLEMS = {
    "needs_municipalities": "a coordinator needs at least one municipality code in claim {m!r}",
    "no_municipalities": "the role {role} sees the whole country; claim {m!r} must be empty",
    "needs_worker_id": "a worker needs a worker id in claim {w!r}",
    "worker_id_only_for_workers": "claim {w!r} is only for the role worker, not {role}",
}


class ClaimMapping(BaseModel):
    """Which claims carry the name, role, municipalities and worker id ([lat.oidc])."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    name_claim: str = Field("email", min_length=1)  # falls back to "sub"
    role_claim: str = Field("lat_role", min_length=1)
    municipalities_claim: str = Field("lat_municipalities", min_length=1)
    worker_id_claim: str = Field("lat_worker_id", min_length=1)
    provider: str = ""
    role_values: dict[str, Role] = {}  # the IdP's group names -> LAT roles


def _as_list(value: object) -> list[str]:
    """A claim as a list of strings: a JSON list, or one string of comma-separated values."""
    if value is None:
        return []
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    if isinstance(value, list | tuple):
        return [str(part).strip() for part in value if str(part).strip()]
    return [str(value)]


class OidcIdentity(BaseModel):
    """One identity token's user, checked: build it with `from_claims`."""

    model_config = ConfigDict(frozen=True)

    name: str = Field(min_length=1)
    role: Role
    municipalities: tuple[str, ...] = ()
    worker_id: str | None = None

    @field_validator("municipalities")
    @classmethod
    def _known_codes(cls, codes: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(dict.fromkeys(normalise_municipality(code) for code in codes))

    @model_validator(mode="after")
    def _what_the_role_needs(self, info: ValidationInfo) -> OidcIdentity:
        problem = role_problem(self.role, self.municipalities, self.worker_id)
        if problem:
            mapping = (info.context or {}).get("mapping", ClaimMapping())
            m, w = mapping.municipalities_claim, mapping.worker_id_claim
            raise ValueError(PROBLEMS[problem].format(m=m, w=w, role=self.role))
        return self

    @classmethod
    def from_claims(cls, claims: Mapping, mapping: ClaimMapping) -> OidcIdentity:
        """The checked identity of `claims`; AccountError naming the claim that is bad or missing."""
        said = _as_list(claims.get(mapping.role_claim))
        roles = [mapping.role_values.get(value, value) for value in said]
        role = next((r for r in roles if r in ROLES), None)  # the first value that is a role
        if role is None:
            got = f"got {', '.join(map(repr, said))}" if said else "it is missing"
            raise AccountError(
                f"claim {mapping.role_claim!r}: no LAT role ({', '.join(ROLES)}); {got}"
            )
        name = str(claims.get(mapping.name_claim) or claims.get("sub") or "").strip().lower()
        if not name:
            raise AccountError(f"claims {mapping.name_claim!r} and 'sub': no user name")
        worker = claims.get(mapping.worker_id_claim)
        fields = {
            "name": name,
            "role": role,
            "municipalities": tuple(_as_list(claims.get(mapping.municipalities_claim))),
            "worker_id": (str(worker).strip() or None) if worker is not None else None,
        }
        try:
            return cls.model_validate(fields, context={"mapping": mapping})
        except ValidationError as error:
            raise AccountError(_first_message(error, mapping)) from None

    def account(self) -> Account:
        # an OIDC name is the IdP's (an e-mail address, any text): not held to local names
        return Account(self.name, self.role, self.municipalities, self.worker_id)


def _first_message(error: ValidationError, mapping: ClaimMapping) -> str:
    first = error.errors()[0]
    field = first["loc"][0] if first["loc"] else ""
    claim = {"municipalities": mapping.municipalities_claim,
             "worker_id": mapping.worker_id_claim}.get(str(field))  # fmt: skip
    message = first["msg"].removeprefix("Value error, ")
    return f"claim {claim!r}: {message}" if claim else message


def mapping_from(settings: Mapping | None) -> ClaimMapping:
    """`[lat.oidc]` as a ClaimMapping; AccountError saying which setting is wrong."""
    try:
        return ClaimMapping(**dict(settings or {}))
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise AccountError(f"[lat.oidc] {where}: {first['msg']}") from None


def account_from_claims(claims: Mapping, settings: Mapping | None = None) -> Account:
    """Map identity-token claims to an account; AccountError naming a bad or missing claim."""
    return OidcIdentity.from_claims(claims, mapping_from(settings)).account()
