"""What the life of an alert group tells the rest of the system. Escalation and paging run per
alert group (one per workup episode), so these are the events the escalation engine
(notifications) listens to; workup never imports it, so dependencies run one way:
notifications → workup.

Every signal is sent inside the transaction that made the change, so a listener's writes commit
or roll back with it.
"""

from django.dispatch import Signal

# group: a new AlertGroup (its first alerts are in it); now. Pages at once.
alert_group_opened = Signal()
# group: an AlertGroup whose severity just rose (it is open again); now; from_severity. Pages at once.
alert_group_severity_raised = Signal()
# group: an AlertGroup whose severity fell (its worst alert was resolved); now; from_severity. No page.
alert_group_severity_lowered = Signal()
# group: an AlertGroup a clinician acknowledged (all its open alerts with it); by; now.
alert_group_acknowledged = Signal()
# group: an AlertGroup whose last alert was resolved; by (None: the system); now; reason.
alert_group_resolved = Signal()
