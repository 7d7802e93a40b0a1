"""`manage.py create_api_token USER [--regenerate]`: print USER's API token, creating it if missing."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from rest_framework.authtoken.models import Token


class Command(BaseCommand):
    help = "Print a user's API token (for `Authorization: Token <key>`), creating it if the user has none."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument(
            "--regenerate", action="store_true", help="Replace the existing token; the old one stops working."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        user_model = get_user_model()
        try:
            user = user_model.objects.get_by_natural_key(options["username"])
        except user_model.DoesNotExist:
            raise CommandError(
                f"No user named {options['username']!r}. Create one first: python manage.py createsuperuser"
            ) from None
        with transaction.atomic():
            if options["regenerate"]:
                Token.objects.filter(user=user).delete()
            token, _ = Token.objects.get_or_create(user=user)
        # Only the key on stdout, so scripts can capture it: TOKEN=$(python manage.py create_api_token alice)
        self.stdout.write(token.key)
