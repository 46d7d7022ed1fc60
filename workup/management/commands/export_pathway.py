import json

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from workup.errors import PathwayNotAvailable
from workup.fhir.plan_definition import plan_definition_bundle
from workup.pathway_files import dump_pathway
from workup.selectors import pathway_definition


class Command(BaseCommand):
    help = (
        "Write a published pathway version as YAML (the load_pathway format; it loads back unchanged) or as a "
        "FHIR R4 Bundle of a PlanDefinition with its ActivityDefinitions. Default: the newest version, to stdout."
    )

    def create_parser(self, prog_name, subcommand, **kwargs):
        # Our --version is the pathway's version; it replaces Django's "show version and exit".
        return super().create_parser(prog_name, subcommand, conflict_handler="resolve", **kwargs)

    def add_arguments(self, parser):
        parser.add_argument("key", help="The pathway key, e.g. suspected-gbs.")
        parser.add_argument("--version", type=int, help="A published version (default: the newest).")
        parser.add_argument("--format", choices=["yaml", "fhir"], default="yaml")
        parser.add_argument("--output", "-o", help="Write to this file instead of stdout.")

    def handle(self, *args, key, version, format, output, **options):
        try:
            definition = pathway_definition(key=key, version=version)
        except PathwayNotAvailable as error:
            raise CommandError(str(error)) from error
        if format == "fhir":
            bundle = plan_definition_bundle(definition, base_url=settings.WORKUP_BASE_URL, now=timezone.now())
            text = json.dumps(bundle, indent=2, ensure_ascii=False) + "\n"
        else:
            text = dump_pathway(definition)
        if output:
            with open(output, "w", encoding="utf-8") as file:
                file.write(text)
        else:
            self.stdout.write(text, ending="")
