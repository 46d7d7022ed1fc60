from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from workup.errors import PathwayConflict
from workup.pathway_files import PATHWAYS_DIR, PathwayFileError
from workup.services.pathways import pathway_publish


class Command(BaseCommand):
    help = "Publish pathway versions from YAML files (default: every file in workup/pathways/). Idempotent."

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="*", type=Path)

    def handle(self, *args, files, **options):
        for path in files or sorted(PATHWAYS_DIR.glob("*.yaml")):
            try:
                pathway, created = pathway_publish(path=path)
            except (PathwayFileError, PathwayConflict, OSError) as error:
                raise CommandError(f"{path}: {error}") from error
            self.stdout.write(f"{'Published' if created else 'Already published'}: {pathway} ({path.name})")
