"""What every bedside entry reads from its workup's pathway version — which orders an entry
completes (orders.completion), the order templates a series places its next occurrence from, the
respiratory-check intervals (workup.clinical.cadence) and the rule tables with the version's own
thresholds (workup.clinical.thresholds) — read once per process and pathway
version instead of once or twice per entry (issue 12, target 4).

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
from workup.clinical.cadence import DEFAULT_INTERVALS, RESP_CHECK_KEY, RespCheckIntervals, resp_check_intervals
from workup.clinical.thresholds import DEFAULT_RULE_TABLES, RuleTables, rule_tables, with_cadence_lines
from workup.models import OrderTemplate, PathwayTemplate, Workup

_CLEARED_BY = frozenset({"workup.pathwaytemplate", "workup.ordertemplate"})


@dataclass(frozen=True)
class PathwayEntries:
    """A pathway version's order templates and completion rules by order key, and its resp_check
    intervals. Shared between requests and threads: read them, never change them."""

    templates: Mapping[str, OrderTemplate]
    completion_rules: Mapping[str, CompletionRule]
    # From the version's resp_check template; the defaults when it has none (a cord-lesion
    # pathway: no respiratory checks to time).
    resp_check_intervals: RespCheckIntervals = DEFAULT_INTERVALS
    # The alert rules with the version's thresholds (the defaults when it changes none).
    rules: RuleTables = DEFAULT_RULE_TABLES


_cache: dict[tuple[int, str, int], PathwayEntries] = {}
# The same entries by the row's id alone, for a caller that holds a workup whose pathway row was
# not loaded (an alert resolved: the cadence is applied with the alert's workup). Filled and
# emptied with _cache; a row created again under an old id is a save, which empties both.
_by_id: dict[int, PathwayEntries] = {}


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
    by_key = {t.key: t for t in templates}
    resp_check = by_key.get(RESP_CHECK_KEY)
    return PathwayEntries(
        templates=MappingProxyType(by_key),
        completion_rules=MappingProxyType(rules),
        resp_check_intervals=with_cadence_lines(
            resp_check_intervals(
                recurrence_interval_minutes=resp_check.recurrence_interval_minutes,
                tight_interval_minutes=resp_check.tight_interval_minutes,
            )
            if resp_check is not None
            else DEFAULT_INTERVALS,
            pathway.rule_thresholds,
        ),
        rules=rule_tables(pathway.rule_thresholds, version=f"{pathway.key} v{pathway.version}"),
    )


def pathway_entries(pathway: PathwayTemplate) -> PathwayEntries:
    """The version's templates and completion rules: from the cache, or one query."""
    if not pathway.published:
        return _read(pathway)  # a draft may still change: never kept
    key = (pathway.pk, pathway.key, pathway.version)
    entries = _cache.get(key)
    if entries is None:
        entries = _cache[key] = _by_id[pathway.pk] = _read(pathway)
    return entries


def _entries_of(workup: Workup) -> PathwayEntries:
    """The workup's version's entries, without reading its pathway row when it is cached."""
    if not Workup.pathway.is_cached(workup):
        entries = _by_id.get(workup.pathway_id)
        if entries is not None:
            return entries
    return pathway_entries(workup.pathway)


def pathway_cache_clear() -> None:
    _cache.clear()
    _by_id.clear()


@receiver(post_save, dispatch_uid="pathway-cache-clear-on-save")
@receiver(post_delete, dispatch_uid="pathway-cache-clear-on-delete")
def _clear_on_change(sender, **kwargs) -> None:
    # By label, not class: data migrations save through historical models.
    if (_cache or _by_id) and sender._meta.label_lower in _CLEARED_BY:
        pathway_cache_clear()


def template_for(*, workup: Workup, key: str) -> OrderTemplate | None:
    """orders.selectors.order_template_for, with the workup's own version read from the cache (a
    follow-up order its version lacks still comes from the newest published version)."""
    template = pathway_entries(workup.pathway).templates.get(key)
    return template if template is not None else order_template_for(workup=workup, key=key)


def completion_rules_for(*, workup: Workup) -> Mapping[str, CompletionRule]:
    """orders.selectors.completion_rules_of, from the cache."""
    return pathway_entries(workup.pathway).completion_rules


def resp_check_intervals_for(*, workup: Workup) -> RespCheckIntervals:
    """The routine and tight resp_check intervals of the workup's own pathway version, from the
    cache: every next-due time of a respiratory check is computed from these (spec §2)."""
    return _entries_of(workup).resp_check_intervals


def rules_for(*, workup: Workup) -> RuleTables:
    """The alert rule tables of the workup's own pathway version, from the cache: every entry is
    evaluated against the thresholds of the version its workup runs on (spec preamble)."""
    return _entries_of(workup).rules
