"""Dependencies run one way: notifications may import workup and orders, never the reverse (the
escalation engine listens to its subjects' signals). Any import against that direction, at module
level or inside a function, fails here."""

import ast
from pathlib import Path

import pytest
from django.core import checks

from notifications.checks import SUBJECT_SIGNALS

ROOT = Path(__file__).resolve().parents[2]


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


@pytest.mark.parametrize("app", ["workup", "orders"])
def test_no_module_of_a_subject_app_imports_notifications(app):
    offenders = {
        str(path.relative_to(ROOT)): sorted(n for n in _imports(path) if n.split(".")[0] == "notifications")
        for path in (ROOT / app).rglob("*.py")
        if "migrations" not in path.parts
    }
    assert {path: names for path, names in offenders.items() if names} == {}


def test_every_subject_signal_has_the_escalation_engine_listening():
    assert all(signal.has_listeners() for signal in SUBJECT_SIGNALS.values())
    assert not [m for m in checks.run_checks() if m.id == "notifications.E001"]


def test_the_system_check_refuses_a_subject_signal_without_a_listener(monkeypatch):
    from orders import signals

    receivers = signals.order_closed.receivers
    monkeypatch.setattr(signals.order_closed, "receivers", [])
    monkeypatch.setattr(signals.order_closed, "sender_receivers_cache", {})
    try:
        errors = [m for m in checks.run_checks() if m.id == "notifications.E001"]
    finally:
        signals.order_closed.receivers = receivers
    assert [e.msg for e in errors] == [
        "orders.signals.order_closed has no receiver: escalations would never start or end."
    ]
