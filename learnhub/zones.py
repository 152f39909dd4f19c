"""Time zones as people know them: by country, city and name in the reader's language, nearby ones first.

What is sent and stored is always the IANA id ("Europe/Belgrade"); what a person reads is
"Srbija, Beograd — Srednjeevropsko vreme (CET, UTC+1)", in lists grouped by continent.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache, lru_cache
from zoneinfo import ZoneInfo, available_timezones

from babel import Locale
from babel.core import get_global
from babel.dates import get_timezone_location
from flask import current_app
from flask_babel import get_locale

# WTForms 3.3's; its type stubs still describe 3.2, which had no SelectChoice.
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]

from learnhub.i18n import _, _l, alphabetical

__all__ = ["is_valid_timezone", "zone_label", "zone_place", "timezone_choices"]

# Where LearnHub's people live: offered first, the reader's own country at the top.
REGION = ("Europe/Belgrade", "Europe/Sarajevo", "Europe/Podgorica", "Europe/Zagreb", "Europe/Skopje",
          "Europe/Ljubljana", "Europe/Tirane", "Europe/Budapest", "Europe/Bucharest", "Europe/Sofia",
          "Europe/Vienna")
HOME_BY_LANGUAGE = {"sr": "Europe/Belgrade", "bs": "Europe/Sarajevo"}

# IANA's areas as continents (CLDR's localised region names); the oceans' islands keep their own group.
_CONTINENTS = {"Europe": "150", "Arctic": "150", "Africa": "002", "America": "019", "Asia": "142",
               "Australia": "009", "Pacific": "009", "Antarctica": "AQ"}
_OCEANS = {"Atlantic": _l("Atlantic Ocean"), "Indian": _l("Indian Ocean")}


def is_valid_timezone(name: str) -> bool:
    return name in _known_names()


@cache
def _known_names() -> frozenset[str]:
    return frozenset(available_timezones())


@cache
def _listed_zones() -> tuple[str, ...]:
    """The zones of places (one per distinct clock in a country, as CLDR keeps them), not aliases
    ("US/Eastern") or fixed offsets ("Etc/GMT+5")."""
    return tuple(sorted(zone for zone in get_global("zone_territories")
                        if zone.split("/")[0] in _CONTINENTS.keys() | _OCEANS.keys() and zone in _known_names()))


@dataclass(frozen=True)
class _Zone:
    place: str  # "Srbija, Beograd"
    label: str  # the place with the zone's name and offset
    group: str


def _offset(moment: datetime) -> str:
    minutes = int((moment.utcoffset() or timedelta()).total_seconds()) // 60
    if not minutes:
        return "UTC"
    sign, minutes = ("+" if minutes > 0 else "−"), abs(minutes)
    return f"UTC{sign}{minutes // 60}" + (f":{minutes % 60:02d}" if minutes % 60 else "")


def _describe(name: str, locale: Locale, now: datetime) -> _Zone:
    canonical = get_global("zone_aliases").get(name, name)
    moment = now.astimezone(ZoneInfo(name))
    area = canonical.split("/")[0]
    if area not in _CONTINENTS.keys() | _OCEANS.keys():  # UTC, fixed offsets and the like: no place to name
        return _Zone(name, f"{name} ({_offset(moment)})", "")
    city = get_timezone_location(canonical, locale=locale, return_city=True)
    territory = get_global("zone_territories").get(canonical, "ZZ")
    country = locale.territories.get(territory, "") if territory not in ("ZZ", "001") else ""  # not "World"
    place = f"{country}, {city}" if country and country != city else city
    short, offset = moment.tzname() or "", _offset(moment)
    when = f"{short}, {offset}" if short.isalpha() and short != offset else offset  # "+0545" says nothing new
    names = locale.meta_zones.get(get_global("meta_zones").get(canonical, ""), {}).get("long", {})
    known_as = names.get("generic") or names.get("standard")  # "Central European Time"; not every zone has one
    label = f"{place} — {known_as} ({when})" if known_as else f"{place} ({when})"
    group = locale.territories.get(_CONTINENTS[area], area) if area in _CONTINENTS else str(_OCEANS.get(area, area))
    return _Zone(place, label, group)


def _this_hour() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:00+00:00")


@lru_cache(maxsize=16)
def _zones(locale_name: str, hour: str) -> dict[str, _Zone]:
    """Every listed zone described in one language as of one hour (offsets change with summer time), in
    reading order: Europe's first, then the other continents, each by country and city in the reader's alphabet."""
    locale, now = Locale.parse(locale_name), datetime.fromisoformat(hour)
    zones = {name: _describe(name, locale, now) for name in _listed_zones()}
    europe = locale.territories.get("150")
    return dict(sorted(zones.items(), key=lambda item: (item[1].group != europe, alphabetical(item[1].group, locale),
                                                        alphabetical(item[1].label, locale))))


def _described(name: str) -> _Zone:
    zones = _zones(str(get_locale()), _this_hour())
    if name in zones:
        return zones[name]
    if name in ("UTC", "Etc/UTC"):
        return _Zone(name, _("Coordinated Universal Time (UTC)"), "")
    return _describe(name, get_locale(), datetime.now(UTC)) if is_valid_timezone(name) else _Zone(name, name, "")


def zone_label(name: str) -> str:
    """A zone as the reader knows it: "Srbija, Beograd — Srednjeevropsko vreme (CET, UTC+1)"."""
    return _described(name).label


def zone_place(name: str) -> str:
    """A zone by its place alone, for sentences: "Srbija, Beograd"."""
    return _described(name).place


def timezone_choices(current: str | None = None) -> list[SelectChoice]:
    """The list to choose from: the reader's region first (their language's country at the top), then every
    continent's zones. `current` stays selectable when it is not listed (an older alias such as "Europe/Kiev")
    or is no zone at all (sent by hand: shown as sent, and the field refuses it)."""
    locale = get_locale()
    zones = _zones(str(locale), _this_hour())
    home = HOME_BY_LANGUAGE.get(locale.language, current_app.config["LEARNHUB_TIMEZONE"])
    region = [home, *sorted((z for z in REGION if z != home), key=lambda z: alphabetical(zone_label(z))), "UTC"]
    if current and current not in zones and current not in region:
        region.insert(0, current)
    nearby = _("Your region")
    region = list(dict.fromkeys(region))
    return [*(SelectChoice(z, zone_label(z), optgroup=nearby) for z in region),
            *(SelectChoice(z, zone.label, optgroup=zone.group) for z, zone in zones.items() if z not in region)]
