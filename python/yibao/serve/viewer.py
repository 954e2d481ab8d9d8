"""Who a signed-in account is to the service, read from the chain at sign-in, and what each
role may see (issue 16 §2).

- a **regulator** holds the regulator role of one or more regions: it sees those regions'
  institutions, people, claims, alerts, leads and cases, and the cases it opened elsewhere
  (referrals, ``REFERRAL``);
- an **institution** is a designated institution's account: it sees its own claims,
  settlements and cases, and may submit claims;
- a **patient** is a wallet bound to an insured person: they see only their own claims,
  payments, records' consents and data-use trail.

One account may be more than one of these (a test world's dev key can be); each endpoint asks
for the role it serves. Anything else is :class:`Forbidden`, a 403.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from yibao.errors import ContractError, YibaoError

if TYPE_CHECKING:
    from yibao.client.ledger import Ledger

class Refused(YibaoError):
    """A request the service refuses: ``status`` (401, 403, 404, 400), a short ``code`` and one line."""

    status = 400
    code = "invalid"

    def __init__(self, message: str, *, expression: str | None = None) -> None:
        super().__init__(message)
        self.expression = expression


class NotSignedIn(Refused):
    """No session, or it expired (401)."""

    status = 401
    code = "login"


class Forbidden(Refused, PermissionError):
    """The signed-in account may not see or do this (403)."""

    status = 403
    code = "forbidden"


class NotFound(Refused, LookupError):
    """No such claim, case, lead, institution or person (404)."""

    status = 404
    code = "not-found"


@dataclass(frozen=True)
class Viewer:
    """A signed-in account and its roles (read from the chain when it signed in)."""

    account: str
    regions: frozenset[int] = frozenset()  #: regions it is the regulator of
    institution_region: int | None = None  #: its region, when it is a designated institution
    person: str | None = None  #: the pseudonym (0x hex) its wallet is bound to, when it is a patient

    @property
    def roles(self) -> list[str]:
        """Its roles by name: ``regulator``, ``institution``, ``patient``."""
        return [name for name, has in (("regulator", bool(self.regions)), ("institution",
                self.institution_region is not None), ("patient", self.person is not None)) if has]

    def to_json(self) -> dict[str, object]:
        return {"account": self.account, "roles": self.roles, "regions": sorted(self.regions),
                "institution_region": self.institution_region, "person": self.person}

    def regulator(self) -> frozenset[int]:
        """The regions it regulates; :class:`Forbidden` when none."""
        if not self.regions:
            raise Forbidden(f"{self.account} is not a regulator of any region")
        return self.regions

    def as_institution(self) -> str:
        """Its account, when it is a designated institution; else :class:`Forbidden`."""
        if self.institution_region is None:
            raise Forbidden(f"{self.account} is not a designated institution")
        return self.account

    def as_patient(self) -> str:
        """The pseudonym its wallet is bound to; else :class:`Forbidden`."""
        if self.person is None:
            raise Forbidden(f"{self.account} is bound to no insured person (`yibao person bind-wallet`)")
        return self.person

    def may_see_institution(self, account: str, region: int) -> bool:
        """Whether it may see what concerns the institution ``account`` of ``region``: its
        regulator, or the institution itself."""
        return region in self.regions or account.lower() == self.account.lower()


def viewer_of(ledger: Ledger, account: str) -> Viewer:
    """What ``account`` is on the ledger now: the regions it regulates, the region it is a
    designated institution of, the person its wallet is bound to."""
    regions = frozenset(code for code in ledger.region_codes()
                        if ledger.has_role(ledger.regulator_role(code), account))
    try:
        region: int | None = ledger.institution(account).region
    except ContractError as exc:
        if exc.name != "InstitutionUnknown":
            raise
        region = None
    person = ledger.person_of_wallet(account)
    return Viewer(account, regions, region, "0x" + person.hex() if person else None)


__all__ = ["Forbidden", "NotFound", "NotSignedIn", "Refused", "Viewer", "viewer_of"]
