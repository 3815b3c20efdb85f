"""Human, translatable labels for the members context's enums, and the template filters that show them."""

from __future__ import annotations

from functools import lru_cache

from flask import Flask
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from cop.i18n import label_filter
from cop.mail.models import OutboxStatus
from cop.members.models import Helix, MembershipStatus, OrganisationKind, Region, Role
from cop.members.regions import country_name

HELIX_LABELS = {
    Helix.PUBLIC_AUTHORITY: _l("Public authorities"),
    Helix.ACADEMIA_RESEARCH: _l("Academia and research"),
    Helix.BUSINESS: _l("Business"),
    Helix.CIVIL_SOCIETY: _l("Civil society"),
}

KIND_LABELS = {
    OrganisationKind.REGIONAL_AUTHORITY: _l("Regional authority"),
    OrganisationKind.NATIONAL_AUTHORITY: _l("National authority"),
    OrganisationKind.INNOVATION_AGENCY: _l("Innovation agency"),
    OrganisationKind.UNIVERSITY: _l("University"),
    OrganisationKind.RTO: _l("Research and technology organisation"),
    OrganisationKind.SME: _l("Small or medium-sized enterprise"),
    OrganisationKind.LARGE_COMPANY: _l("Large company or multinational"),
    OrganisationKind.CLUSTER: _l("Cluster"),
    OrganisationKind.CHAMBER: _l("Chamber of commerce"),
    OrganisationKind.NGO: _l("Non-governmental organisation"),
    OrganisationKind.OTHER: _l("Other"),
}

ROLE_LABELS = {
    Role.MEMBER: _l("Member"),
    Role.COORDINATOR: _l("Coordinator"),
}

MEMBERSHIP_STATUS_LABELS = {
    MembershipStatus.APPLIED: _l("Application pending"),
    MembershipStatus.ACTIVE: _l("Active"),
    MembershipStatus.REJECTED: _l("Application not accepted"),
    MembershipStatus.LEFT: _l("Left"),
}

EMAIL_STATUS_LABELS = {
    OutboxStatus.PENDING: _l("Waiting to be sent"),
    OutboxStatus.SENDING: _l("Being sent"),
    OutboxStatus.SENT: _l("Sent"),
    OutboxStatus.FAILED: _l("Not sent"),
}

NOT_STATED = _l("Not stated")


helix_label = label_filter(HELIX_LABELS, NOT_STATED)
kind_label = label_filter(KIND_LABELS, NOT_STATED)
role_label = label_filter(ROLE_LABELS)
membership_status_label = label_filter(MEMBERSHIP_STATUS_LABELS)
email_status_label = label_filter(EMAIL_STATUS_LABELS)


def localized_country_name(code: str | None) -> str:
    """A NUTS country code's name in the interface language."""
    if not code:
        return str(NOT_STATED)
    return country_name(code, str(get_locale() or "en"))


def region_label(region: Region | None) -> str:
    """A region with its country, "Norte, Portugal", in the interface language."""
    if region is None:
        return str(NOT_STATED)
    return _region_label(region.name, region.country_code, str(get_locale() or "en"))


@lru_cache(maxsize=2048)
def _region_label(name: str, country_code: str, locale: str) -> str:
    # Pages list hundreds of people; a region's label is the same for all of them in a language
    # (`locale` is the language gettext is speaking right now, so it keys the cache).
    return _("%(region)s, %(country)s", region=name, country=country_name(country_code, locale))


def register_template_helpers(app: Flask) -> None:
    """Filters for templates: `helix|helix_label`, `kind|kind_label`, `code|country_name` ..."""
    app.jinja_env.filters["helix_label"] = helix_label
    app.jinja_env.filters["kind_label"] = kind_label
    app.jinja_env.filters["role_label"] = role_label
    app.jinja_env.filters["membership_status_label"] = membership_status_label
    app.jinja_env.filters["email_status_label"] = email_status_label
    app.jinja_env.filters["country_name"] = localized_country_name
    app.jinja_env.filters["region_label"] = region_label
