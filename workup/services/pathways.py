"""Publishing pathway versions from their data files."""

from operator import attrgetter
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from workup.errors import PathwayConflict
from workup.models import OrderTemplate, PathwayTemplate
from workup.pathway_files import ORDER_FIELDS, PathwayDefinition, create_pathway_rows, read_pathway_file

# OrderTemplate rows and OrderDefinition entries share these attribute names.
_order_signature = attrgetter(*ORDER_FIELDS)


def _stored_definition_matches(pathway: PathwayTemplate, definition: PathwayDefinition) -> bool:
    stored = [_order_signature(t) for t in pathway.order_templates.order_by("position")]
    given = [_order_signature(o) for o in definition.orders]
    return (
        stored == given
        and pathway.title == definition.title
        and pathway.condition == definition.condition
        and (pathway.rule_thresholds or {}) == dict(definition.thresholds)
    )


@transaction.atomic
def pathway_publish(*, path: Path) -> tuple[PathwayTemplate, bool]:
    """Publish the pathway version in a data file. Returns (pathway, created).

    Loading the same file twice is a no-op; a different file claiming an existing version is
    refused, because open workups run on the published content: a change is a new version.
    """
    definition = read_pathway_file(path)
    existing = PathwayTemplate.objects.filter(key=definition.key, version=definition.version).first()
    if existing is not None:
        if not _stored_definition_matches(existing, definition):
            raise PathwayConflict(
                f"{definition.key} v{definition.version} is already published with different content. "
                "Published versions never change: give the file a new version number."
            )
        return existing, False
    pathway = create_pathway_rows(
        pathway_model=PathwayTemplate,
        order_template_model=OrderTemplate,
        definition=definition,
        source_file=Path(path).name,
        now=timezone.now(),
    )
    return pathway, True
