"""The default escalation policies, loaded by a data migration and then edited in the admin.

Order policy: spec §6 ("Escalation of overdue orders"). Alert policies: issue #5 defaults
(CRIT: ward physician and on-call neurologist at once, next level after 5 min without an
acknowledgement; HIGH: ward physician at once, next level after 15 min). Severities as in spec §3:
CRIT = page the physician now; HIGH = review within 30 min; MED = review within the shift.
"""

IN_APP, EMAIL, WEBHOOK = "in_app", "email", "webhook"

DEFAULT_POLICIES = [
    {
        "key": "order-overdue",
        "title": "Overdue order (spec §6)",
        "applies_to": "order",
        "alert_severity": "",
        "ack_timeout_minutes": 30,  # spec §6: "the ack times out (default 30 min)"
        "repeat_top_level_minutes": 60,  # [local] remind the on-call neurologist hourly
        "source": "spec §6 [local]",
        "levels": [
            # level, % of the due window, minimum minutes, roles, channels, severity
            (0, 0, 0, ["assigned_role"], [IN_APP], "MED"),  # at due time: the assigned role
            (1, 25, 15, ["charge_nurse"], [IN_APP, EMAIL], "MED"),  # due + 25% (min 15 min)
            (2, 50, 30, ["physician"], [IN_APP, EMAIL], "HIGH"),  # due + 50% (min 30 min)
            (3, 100, 60, ["neurologist"], [IN_APP, EMAIL, WEBHOOK], "CRIT"),  # due + 100% (min 60 min)
        ],
    },
    {
        "key": "alert-crit",
        "title": "CRIT alert",
        "applies_to": "alert",
        "alert_severity": "CRIT",
        "ack_timeout_minutes": 30,
        "repeat_top_level_minutes": 5,  # [local] a CRIT alert re-pages every 5 min until acknowledged
        "source": "issue #5 defaults; spec §3 severities",
        "levels": [
            (0, 0, 0, ["physician", "neurologist"], [IN_APP, EMAIL, WEBHOOK], "CRIT"),
            (1, 0, 5, ["physician", "neurologist", "charge_nurse"], [IN_APP, EMAIL, WEBHOOK], "CRIT"),
        ],
    },
    {
        "key": "alert-high",
        "title": "HIGH alert",
        "applies_to": "alert",
        "alert_severity": "HIGH",
        "ack_timeout_minutes": 30,
        "repeat_top_level_minutes": 15,  # [local] a HIGH alert re-pages every 15 min until acknowledged
        "source": "issue #5 defaults; spec §3 severities",
        "levels": [
            (0, 0, 0, ["physician"], [IN_APP, EMAIL], "HIGH"),
            (1, 0, 15, ["neurologist", "charge_nurse"], [IN_APP, EMAIL, WEBHOOK], "HIGH"),
        ],
    },
    {
        "key": "alert-med",
        "title": "MED alert",
        "applies_to": "alert",
        "alert_severity": "MED",
        "ack_timeout_minutes": 30,
        "source": "spec §3: MED = review within the shift",
        "levels": [
            (0, 0, 0, ["physician"], [IN_APP], "MED"),
        ],
    },
]


def create_default_policies(*, policy_model, level_model) -> None:
    """Create the policies that do not exist yet (by key); existing ones are left as edited."""
    for spec in DEFAULT_POLICIES:
        if policy_model.objects.filter(key=spec["key"]).exists():
            continue
        # Only the fields the (possibly historical, in a migration) model has.
        known = {field.name for field in policy_model._meta.get_fields()}
        fields = {k: v for k, v in spec.items() if k != "levels" and k in known}
        policy = policy_model.objects.create(**fields)
        level_model.objects.bulk_create(
            level_model(
                policy=policy,
                level=level,
                delay_percent_of_window=percent,
                min_delay_minutes=minimum,
                recipient_roles=roles,
                channels=channels,
                severity=severity,
            )
            for level, percent, minimum, roles, channels, severity in spec["levels"]
        )


def set_default_reminders(*, policy_model) -> None:
    """Give the default policies their reminder interval where nobody has set one."""
    for spec in DEFAULT_POLICIES:
        if spec.get("repeat_top_level_minutes"):
            policy_model.objects.filter(key=spec["key"], repeat_top_level_minutes__isnull=True).update(
                repeat_top_level_minutes=spec["repeat_top_level_minutes"]
            )
