from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from workup.models import Ward


class Command(BaseCommand):
    help = "Create a ward, or update its name/time zone if the code exists (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("code", help="Short ward code, e.g. 4N")
        parser.add_argument("--name", required=True, help='Display name, e.g. "Neurology 4 North"')
        parser.add_argument("--timezone", help="IANA time zone (default: settings.TIME_ZONE)")

    def handle(self, *args, code, name, timezone=None, **options):
        ward = Ward.objects.filter(code=code).first()
        created = ward is None
        ward = ward or Ward(code=code)
        ward.name = name
        if timezone:
            ward.timezone = timezone
        try:
            ward.full_clean()
        except ValidationError as error:
            raise CommandError("; ".join(f"{f}: {' '.join(m)}" for f, m in error.message_dict.items())) from error
        ward.save()
        self.stdout.write(f"{'Created' if created else 'Updated'} ward {ward.code} ({ward.name}).")
