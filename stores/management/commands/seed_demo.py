"""`manage.py seed_demo`: one demo store per business model, with its catalogue (idempotent)."""

from django.core.management.base import BaseCommand

from stores.services import seed_demo_stores


class Command(BaseCommand):
    help = "Create one demo store per business model, with its catalogue. Safe to run twice."

    def handle(self, *args, **options) -> None:
        result = seed_demo_stores()
        for slug in result.created:
            self.stdout.write(self.style.SUCCESS(f"created {slug}"))
        for slug in result.existing:
            self.stdout.write(f"exists  {slug} (unchanged)")
