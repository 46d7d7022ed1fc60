"""What every bedside entry reads from its workup's pathway version — which orders an entry
completes (orders.completion) and the order templates a series places its next occurrence from —
read once per process and pathway version instead of once or twice per entry (issue 12, target 4).

A published version is never edited (workup.services.pathways refuses it; the admin shows it
read-only): a change is a new version, with new rows. So what was read for a version stays true.
Still, the cache keeps only published versions, is keyed by the row's id, key and version, and
any save or delete of a pathway or order template row through the ORM (a new version published,
a test database that hands out an id again) empties it: a stale entry cannot outlive a change.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from orders.completion import CompletionRule, completion_rule_for
from orders.selectors import order_template_for
from workup.models import OrderTemplate, PathwayTemplate, Workup

_CLEARED_BY = frozenset({"workup.pathwaytemplate", "workup.ordertemplate"})


@dataclass(frozen=True)
class PathwayEntries:
    """A pathway version's order templates and completion rules by order key. Shared between
    requests and threads: read them, never change them."""

    templates: Mapping[str, OrderTemplate]
    completion_rules: Mapping[str, CompletionRule]


_cache: dict[tuple[int, str, int], PathwayEntries] = {}


def _read(pathway: PathwayTemplate) -> PathwayEntries:
    templates = list(OrderTemplate.objects.filter(pathway_id=pathway.pk))  # ordered by position
    rules = {}
    for template in templates:
        rule = completion_rule_for(
            key=template.key,
            completed_by=template.completed_by,
            pathway_key=pathway.key,
            pathway_version=pathway.version,
        )
        if rule is not None:
            rules[template.key] = rule
    return PathwayEntries(
        templates=MappingProxyType({t.key: t for t in templates}), completion_rules=MappingProxyType(rules)
    )


def pathway_entries(pathway: PathwayTemplate) -> PathwayEntries:
    """The version's templates and completion rules: from the cache, or one query."""
    if not pathway.published:
        return _read(pathway)  # a draft may still change: never kept
    key = (pathway.pk, pathway.key, pathway.version)
    entries = _cache.get(key)
    if entries is None:
        entries = _cache[key] = _read(pathway)
    return entries


def pathway_cache_clear() -> None:
    _cache.clear()


@receiver(post_save, dispatch_uid="pathway-cache-clear-on-save")
@receiver(post_delete, dispatch_uid="pathway-cache-clear-on-delete")
def _clear_on_change(sender, **kwargs) -> None:
    # By label, not class: data migrations save through historical models.
    if _cache and sender._meta.label_lower in _CLEARED_BY:
        _cache.clear()


def template_for(*, workup: Workup, key: str) -> OrderTemplate | None:
    """orders.selectors.order_template_for, with the workup's own version read from the cache (a
    follow-up order its version lacks still comes from the newest published version)."""
    template = pathway_entries(workup.pathway).templates.get(key)
    return template if template is not None else order_template_for(workup=workup, key=key)


def completion_rules_for(*, workup: Workup) -> Mapping[str, CompletionRule]:
    """orders.selectors.completion_rules_of, from the cache."""
    return pathway_entries(workup.pathway).completion_rules
