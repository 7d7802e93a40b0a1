"""Who may do what in a project.

A user who is not a member of a project gets 404 for everything in it, so existence never leaks;
a member whose role lacks an ability gets 403.
"""

from __future__ import annotations

from enum import StrEnum

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.http import Http404
from rest_framework.exceptions import PermissionDenied

from projects.models import Membership, Project, Role


class Ability(StrEnum):
    VIEW = "view"
    ANNOTATE = "annotate"
    REVIEW = "review"
    MANAGE = "manage"
    # An export holds everyone's work, so annotators (who see their own) cannot take one.
    EXPORT = "export"


ROLE_ABILITIES: dict[str, frozenset[Ability]] = {
    Role.MANAGER: frozenset(Ability),
    Role.ANNOTATOR: frozenset({Ability.VIEW, Ability.ANNOTATE}),
    Role.REVIEWER: frozenset({Ability.VIEW, Ability.REVIEW, Ability.EXPORT}),
    Role.VIEWER: frozenset({Ability.VIEW, Ability.EXPORT}),
}

ABILITY_MESSAGES = {
    Ability.VIEW: "You cannot view this project.",
    Ability.ANNOTATE: "Only annotators and managers of this project can do this.",
    Ability.REVIEW: "Only reviewers and managers of this project can do this.",
    Ability.MANAGE: "Only managers of this project can do this.",
    Ability.EXPORT: "Annotators cannot export: an export holds other annotators' work. Ask a manager or reviewer.",
}


def role_can(role: str, ability: Ability) -> bool:
    return ability in ROLE_ABILITIES.get(role, frozenset())


def get_membership(project_id: int | str, user: AbstractBaseUser | AnonymousUser) -> Membership:
    """The user's membership of the project, or 404 when there is none (or the id is malformed)."""
    if not user.is_authenticated:
        raise Http404
    try:
        return Membership.objects.select_related("project").get(project_id=int(project_id), user_id=user.pk)
    except (Membership.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def require(membership: Membership, ability: Ability) -> None:
    if not role_can(membership.role, ability):
        raise PermissionDenied(ABILITY_MESSAGES[ability])


def project_for(project_id: int | str, user: AbstractBaseUser | AnonymousUser, ability: Ability) -> Project:
    membership = get_membership(project_id, user)
    require(membership, ability)
    return membership.project
