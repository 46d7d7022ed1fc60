"""Reading pathway definitions (YAML data files) and turning them into rows.

The row-writing function takes the model classes as arguments so that the data migration can
call it with historical models and the ``load_pathway`` command with the real ones.
"""

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from orders.completion import completion_rule_from_data
from workup.clinical.cadence import RESP_CHECK_KEY, tight_interval_problem
from workup.clinical.thresholds import normalised_thresholds, thresholds_problems
from workup.models.pathway import OrderCategory, Priority
from workup.roles import Role

PATHWAYS_DIR = Path(__file__).resolve().parent / "pathways"
DEFAULT_GBS_FILE = PATHWAYS_DIR / "suspected-gbs-v1.yaml"
# Spec v1.1: what completes an order, treatment dose orders, VTE decision. Published by a migration.
GBS_V2_FILE = PATHWAYS_DIR / "suspected-gbs-v2.yaml"

_CATEGORIES = set(OrderCategory.values)
_PRIORITIES = set(Priority.values)
_PATHWAY_KEYS = {"key", "version", "title", "condition", "description", "orders", "thresholds"}
# The fields of an order in a pathway file; OrderTemplate rows carry the same names.
ORDER_FIELDS = (
    "key",
    "title",
    "category",
    "priority",
    "assigned_role",
    "due_offset_minutes",
    "stat_due_offset_minutes",
    "recurrence_interval_minutes",
    "tight_interval_minutes",
    "recurs_as",
    "source",
    "completed_by",
    "escalation_start_offset_minutes",
)
_ORDER_KEYS = set(ORDER_FIELDS)


class PathwayFileError(ValueError):
    """A pathway file that cannot be published. ``field`` is the path of the offending field
    (``orders[3].priority``) and ``line`` its line in the file (1-based), when known; the message
    names both: "line 41, orders[3].priority: priority must be one of ...".
    """

    def __init__(self, message: str, *, field: str = "", line: int | None = None) -> None:
        self.field = field
        self.line = line
        self.detail = message
        where = ", ".join(part for part in (f"line {line}" if line else "", field) if part)
        super().__init__(f"{where}: {message}" if where else message)


@dataclass(frozen=True)
class OrderDefinition:
    key: str
    title: str
    category: str
    priority: str
    assigned_role: str
    due_offset_minutes: int | None
    stat_due_offset_minutes: int | None
    recurrence_interval_minutes: int | None
    recurs_as: str
    source: str
    completed_by: dict | None = None  # orders.completion: what a bedside entry must hold to complete it
    # Escalation starts this long after the order is placed instead of at its due time (issue 13:
    # "STAT MRI due in 4 h, escalating from 1 h"). None: at the due time, as spec §6.
    escalation_start_offset_minutes: int | None = None
    # resp_check only: the interval while its checks are tightened (workup.clinical.cadence).
    # None: the default, 120 min [S2, S3].
    tight_interval_minutes: int | None = None


@dataclass(frozen=True)
class PathwayDefinition:
    key: str
    version: int
    title: str
    condition: str
    description: str
    orders: tuple[OrderDefinition, ...] = field(default_factory=tuple)
    # Rule thresholds this version changes, by id (workup.clinical.thresholds): validated and
    # normalised (whole numbers as int, defaults left out), so equal files compare equal.
    thresholds: dict = field(default_factory=dict)


def _minutes(raw: dict, name: str, where: str) -> int | None:
    value = raw.get(name)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise PathwayFileError(f"{name} must be a whole number of minutes ≥ 0, got {value!r}.", field=f"{where}.{name}")
    return value


def _escalation_start(raw: dict, where: str) -> int | None:
    offset = _minutes(raw, "escalation_start_offset_minutes", where)
    due = raw.get("due_offset_minutes")
    if offset is not None and isinstance(due, int) and offset > due:
        raise PathwayFileError(
            f"escalation_start_offset_minutes ({offset}) must not be after due_offset_minutes ({due}).",
            field=f"{where}.escalation_start_offset_minutes",
        )
    return offset


def _tight_interval(raw: dict, where: str) -> int | None:
    tight = _minutes(raw, "tight_interval_minutes", where)
    if tight is None:
        return None
    if raw.get("key") != RESP_CHECK_KEY:
        raise PathwayFileError(
            f"only {RESP_CHECK_KEY} has a tight interval (the adaptive respiratory cadence, spec §2).",
            field=f"{where}.tight_interval_minutes",
        )
    problem = tight_interval_problem(
        recurrence_interval_minutes=raw.get("recurrence_interval_minutes"), tight_interval_minutes=tight
    )
    if problem:
        raise PathwayFileError(problem, field=f"{where}.tight_interval_minutes")
    return tight


def _order(raw: object, index: int) -> OrderDefinition:
    where = f"orders[{index}]"
    if not isinstance(raw, dict):
        raise PathwayFileError("expected a mapping of order fields.", field=where)
    unknown = sorted(str(name) for name in set(raw) - _ORDER_KEYS)
    if unknown:
        raise PathwayFileError(f"unknown fields {unknown}.", field=f"{where}.{unknown[0]}")
    for required in ("key", "title", "category"):
        if not raw.get(required):
            raise PathwayFileError(f"{required} is required.", field=f"{where}.{required}")
    if raw["category"] not in _CATEGORIES:
        raise PathwayFileError(f"category must be one of {sorted(_CATEGORIES)}.", field=f"{where}.category")
    priority = raw.get("priority", "routine")
    if priority not in _PRIORITIES:
        raise PathwayFileError(f"priority must be one of {sorted(_PRIORITIES)}.", field=f"{where}.priority")
    role = raw.get("assigned_role", Role.NURSE.value)
    if role not in Role.values:
        raise PathwayFileError(f"assigned_role must be one of {Role.values}.", field=f"{where}.assigned_role")
    try:
        completed_by = completion_rule_from_data(raw.get("completed_by"))
    except ValueError as error:
        raise PathwayFileError(str(error), field=f"{where}.completed_by") from error
    return OrderDefinition(
        key=str(raw["key"]),
        title=str(raw["title"]),
        category=raw["category"],
        priority=priority,
        assigned_role=role,
        due_offset_minutes=_minutes(raw, "due_offset_minutes", where),
        stat_due_offset_minutes=_minutes(raw, "stat_due_offset_minutes", where),
        recurrence_interval_minutes=_minutes(raw, "recurrence_interval_minutes", where),
        tight_interval_minutes=_tight_interval(raw, where),
        recurs_as=str(raw.get("recurs_as") or ""),
        source=str(raw.get("source") or ""),
        completed_by=completed_by.as_data() if completed_by else None,
        escalation_start_offset_minutes=_escalation_start(raw, where),
    )


def _field_path(field: str) -> list[str | int]:
    """ "orders[3].priority" → ["orders", 3, "priority"]."""
    path: list[str | int] = []
    if field.startswith("thresholds."):
        return ["thresholds", field.removeprefix("thresholds.")]  # an id has dots of its own
    for part in field.split("."):
        name, _, rest = part.partition("[")
        if name:
            path.append(name)
        for index in rest.split("[") if rest else []:
            path.append(int(index.rstrip("]")))
    return path


def _line_of(root, field: str) -> int | None:
    """The 1-based line of a field in the composed YAML (or of the nearest enclosing node when the
    field is missing, e.g. a required field that was left out)."""
    node, line = root, (root.start_mark.line + 1 if root is not None else None)
    for step in _field_path(field):
        if isinstance(node, yaml.MappingNode) and isinstance(step, str):
            match = next(((k, v) for k, v in node.value if isinstance(k, yaml.ScalarNode) and k.value == step), None)
            if match is None:
                return line
            key_node, node = match
            line = key_node.start_mark.line + 1
        elif isinstance(node, yaml.SequenceNode) and isinstance(step, int) and step < len(node.value):
            node = node.value[step]
            line = node.start_mark.line + 1
        else:
            return line
    return line


def parse_pathway(text: str) -> PathwayDefinition:
    """Read a pathway file. Every error names the line and the field (PathwayFileError)."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        raw = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        problem = getattr(error, "problem", None) or str(error)
        raise PathwayFileError(f"not valid YAML: {problem}.", line=mark.line + 1 if mark else None) from error
    try:
        return _definition(raw)
    except PathwayFileError as error:
        if error.line is None and error.field:
            raise PathwayFileError(error.detail, field=error.field, line=_line_of(root, error.field)) from error
        raise


def _definition(raw) -> PathwayDefinition:
    if not isinstance(raw, dict):
        raise PathwayFileError("A pathway file must be a mapping.")
    unknown = sorted(str(name) for name in set(raw) - _PATHWAY_KEYS)
    if unknown:
        raise PathwayFileError(f"Unknown fields {unknown}.", field=unknown[0])
    for required in ("key", "version", "title", "condition", "orders"):
        if raw.get(required) in (None, ""):
            raise PathwayFileError(f"{required} is required.", field=required)
    if not isinstance(raw["version"], int) or isinstance(raw["version"], bool) or raw["version"] < 1:
        raise PathwayFileError("version must be a whole number ≥ 1.", field="version")
    if not isinstance(raw["orders"], list) or not raw["orders"]:
        raise PathwayFileError("orders must be a non-empty list.", field="orders")
    orders = tuple(_order(item, index) for index, item in enumerate(raw["orders"]))
    keys = [order.key for order in orders]
    for index, key in enumerate(keys):
        if key in keys[:index]:
            raise PathwayFileError(
                f"order key '{key}' is used twice: order keys must be unique within a pathway.",
                field=f"orders[{index}].key",
            )
    for index, order in enumerate(orders):
        if order.recurs_as and order.recurs_as not in keys:
            raise PathwayFileError(
                f"recurs_as names unknown order '{order.recurs_as}'.", field=f"orders[{index}].recurs_as"
            )
    return PathwayDefinition(
        key=str(raw["key"]),
        version=raw["version"],
        title=str(raw["title"]),
        condition=str(raw["condition"]),
        description=str(raw.get("description") or "").strip(),
        orders=orders,
        thresholds=_thresholds(raw.get("thresholds")),
    )


def _thresholds(raw) -> dict:
    """The ``thresholds:`` mapping (id → number): checked (known id, a number within its measure's
    plausible lines, CRIT not looser than HIGH, ranges not inverted) and normalised."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise PathwayFileError("thresholds must be a mapping of threshold id to number.", field="thresholds")
    given = {str(key): value for key, value in raw.items()}
    problems = thresholds_problems(given)
    for key in given:
        if key in problems:
            raise PathwayFileError(problems[key], field=f"thresholds.{key}")
    return normalised_thresholds(given)


def read_pathway_file(path: Path) -> PathwayDefinition:
    return parse_pathway(Path(path).read_text(encoding="utf-8"))


def create_pathway_rows(*, pathway_model, order_template_model, definition: PathwayDefinition, source_file: str, now):
    """Write a published pathway and its order templates. The caller checks for an existing version."""
    if definition.thresholds and "rule_thresholds" not in {f.name for f in pathway_model._meta.get_fields()}:
        # A data migration publishing a file through a model from before thresholds existed.
        raise PathwayFileError(
            "this pathway file has thresholds, which the database schema at this migration cannot hold.",
            field="thresholds",
        )
    pathway = pathway_model.objects.create(
        key=definition.key,
        version=definition.version,
        title=definition.title,
        condition=definition.condition,
        description=definition.description,
        published=True,
        published_at=now,
        source_file=source_file,
        # A data migration's historical model may predate the field; its file has no thresholds.
        **({"rule_thresholds": dict(definition.thresholds)} if definition.thresholds else {}),
    )
    # Only the fields the model has: a data migration passes the historical model of its time.
    known = {field.name for field in order_template_model._meta.get_fields()}
    order_template_model.objects.bulk_create(
        order_template_model(
            pathway=pathway,
            position=position,
            **{name: getattr(order, name) for name in ORDER_FIELDS if name in known},
        )
        for position, order in enumerate(definition.orders)
    )
    return pathway


# --- Writing pathway files (manage.py export_pathway) ---------------------------------------------


def _plain(value):
    """YAML-safe: tuples (frozen definitions) as lists, nested."""
    if isinstance(value, tuple | list):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    return value


def dump_pathway(definition: PathwayDefinition) -> str:
    """A pathway file that parse_pathway reads back to the same definition (every field written,
    nulls included, in the order of ORDER_FIELDS)."""
    data = {
        "key": definition.key,
        "version": definition.version,
        "title": definition.title,
        "condition": definition.condition,
        "description": definition.description,
        "orders": [{name: _plain(getattr(order, name)) for name in ORDER_FIELDS} for order in definition.orders],
    }
    if definition.thresholds:
        data["thresholds"] = dict(definition.thresholds)
    header = (
        f"# {definition.title}: exported by manage.py export_pathway. Published versions never change;\n"
        "# to change a window, give the file a new version and load it with manage.py load_pathway FILE.\n"
    )
    return header + yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


def definition_from_rows(*, pathway, order_templates) -> PathwayDefinition:
    """The definition a published pathway was loaded from, read back from its rows."""
    return PathwayDefinition(
        key=pathway.key,
        version=pathway.version,
        title=pathway.title,
        condition=pathway.condition,
        description=pathway.description,
        orders=tuple(
            OrderDefinition(**{name: getattr(template, name) for name in ORDER_FIELDS}) for template in order_templates
        ),
        thresholds=dict(pathway.rule_thresholds or {}),
    )
