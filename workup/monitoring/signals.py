"""What the life of an alert tells the rest of the system. The escalation engine (notifications)
listens; workup never imports it, so dependencies run one way: notifications → workup.

Every signal is sent inside the transaction that made the change, so a listener's writes commit
or roll back with it.
"""

from django.dispatch import Signal

# alert: a new Alert; now.
alert_opened = Signal()
# alert: an Alert whose severity just rose (it is open again); now; from_severity.
alert_severity_raised = Signal()
# alert: an Alert a clinician acknowledged; by; now.
alert_acknowledged = Signal()
# alert: an Alert that was resolved; by (None: the system); now; reason.
alert_resolved = Signal()
