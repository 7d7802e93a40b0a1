"""The project navigation bar.

Later features (labelling, review, jobs, exports, analytics) add pages under their own URL names; the bar
lists an entry only once its URL name exists, so a half-built feature never shows a dead link.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse

from projects.access import Ability, role_can
from projects.models import Membership


@dataclass(frozen=True)
class NavEntry:
    key: str
    label: str
    url_name: str
    ability: Ability = Ability.VIEW


# In display order. Each page view passes its own `key` as the active entry.
PROJECT_PAGES: tuple[NavEntry, ...] = (
    NavEntry("items", "Items", "frontend:project-detail"),
    NavEntry("upload", "Upload", "frontend:project-upload", Ability.MANAGE),
    NavEntry("label", "Label", "frontend:label", Ability.ANNOTATE),
    NavEntry("review", "Review", "frontend:review", Ability.REVIEW),
    NavEntry("pipelines", "Pipelines", "frontend:pipelines", Ability.MANAGE),
    NavEntry("jobs", "Jobs", "frontend:jobs", Ability.MANAGE),
    NavEntry("experiments", "Experiments", "frontend:experiments"),
    NavEntry("exports", "Exports", "frontend:exports", Ability.EXPORT),
    NavEntry("analytics", "Analytics", "frontend:analytics"),
    NavEntry("settings", "Settings", "frontend:project-settings"),
)


@dataclass(frozen=True)
class NavLink:
    label: str
    url: str
    active: bool


def optional_url(url_name: str, **kwargs: object) -> str | None:
    """The URL for a name that may not exist yet, or None."""
    try:
        return reverse(url_name, kwargs=kwargs)
    except NoReverseMatch:
        return None


def project_nav(membership: Membership, active: str) -> list[NavLink]:
    links = []
    for entry in PROJECT_PAGES:
        if not role_can(membership.role, entry.ability):
            continue
        url = optional_url(entry.url_name, project_id=membership.project_id)
        if url is not None:
            links.append(NavLink(entry.label, url, entry.key == active))
    return links
