from django.conf import settings
from django.db import models
from django.db.models import Q

from workup.models.pathway import OrderCategory, Priority
from workup.roles import Role


class OrderStatus(models.TextChoices):
    PENDING = "pending", "Pending"  # ordered, nobody has started it
    IN_PROGRESS = "in_progress", "In progress"  # someone is on it (e.g. patient sent to MRI)
    COMPLETED = "completed", "Completed"  # done, with a result
    NOT_INDICATED = "not_indicated", "Not indicated"  # a clinician decided it is not needed (reason kept)
    CANCELLED = "cancelled", "Cancelled"  # withdrawn, e.g. ordered twice or workup closed (reason kept)


OPEN_STATUSES = (OrderStatus.PENDING, OrderStatus.IN_PROGRESS)

# The state machine: which status may follow which. Everything else is an illegal transition.
ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    OrderStatus.PENDING: frozenset(
        {OrderStatus.IN_PROGRESS, OrderStatus.COMPLETED, OrderStatus.NOT_INDICATED, OrderStatus.CANCELLED}
    ),
    OrderStatus.IN_PROGRESS: frozenset({OrderStatus.COMPLETED, OrderStatus.NOT_INDICATED, OrderStatus.CANCELLED}),
    OrderStatus.COMPLETED: frozenset(),
    OrderStatus.NOT_INDICATED: frozenset(),
    OrderStatus.CANCELLED: frozenset(),
}


class SeriesStatus(models.TextChoices):
    ACTIVE = "active", "Active"  # recurring: exactly one open occurrence while the workup is open
    STOPPED = "stopped", "Stopped"  # ended on purpose by a physician or neurologist (reason kept)


class OrderSeries(models.Model):
    """A recurring check of a workup (respiratory checks, neuro exams, autonomic monitoring,
    swallow screens; spec §2 v1.1). Cancelling or skipping one occurrence never ends it: only an
    explicit stop does. While the workup is open, an active series has exactly one open
    occurrence (a database constraint on Order says at most one; the services and the series
    audit make it exactly one)."""

    workup = models.ForeignKey("workup.Workup", on_delete=models.PROTECT, related_name="series")
    # The key of the recurring order template, e.g. resp_check (resp_baseline opens that series).
    key = models.SlugField(max_length=64)
    title = models.CharField(max_length=120, help_text='What the ward calls it, e.g. "respiratory checks".')
    status = models.CharField(max_length=8, choices=SeriesStatus.choices, default=SeriesStatus.ACTIVE)
    stopped_at = models.DateTimeField(null=True, blank=True)
    stopped_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    stop_reason = models.TextField(blank=True)
    resumed_at = models.DateTimeField(null=True, blank=True)
    resumed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    version = models.PositiveIntegerField(default=1, help_text="Optimistic-concurrency counter.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["workup", "id"]
        verbose_name_plural = "order series"
        constraints = [models.UniqueConstraint(fields=["workup", "key"], name="order_series_key_unique")]
        indexes = [
            # orders.services.series.series_audit: active series of open workups, every minute.
            models.Index(fields=["status"], condition=Q(status="active"), name="order_series_active_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.key} series of workup {self.workup_id} ({self.status})"


class Order(models.Model):
    """One tracked piece of work of a workup's pathway, with a due time."""

    workup = models.ForeignKey("workup.Workup", on_delete=models.PROTECT, related_name="orders")
    key = models.SlugField(max_length=64, help_text="The order template's key, e.g. mri_spine.")
    title = models.CharField(max_length=300)
    category = models.CharField(max_length=16, choices=OrderCategory.choices)
    priority = models.CharField(max_length=8, choices=Priority.choices)
    assigned_role = models.CharField(max_length=16, choices=Role.choices)
    # 1 for the order made at triage; recurring checks count up (resp_check #2, #3, ...).
    occurrence = models.PositiveSmallIntegerField(default=1)
    # The recurring series this order is an occurrence of; null for one-off orders.
    series = models.ForeignKey(OrderSeries, on_delete=models.PROTECT, null=True, blank=True, related_name="occurrences")
    status = models.CharField(max_length=16, choices=OrderStatus.choices, default=OrderStatus.PENDING)
    # When the order was placed (triage time, or the completion of the previous occurrence):
    # its due window, and so its escalation steps (spec §6), count from here.
    ordered_at = models.DateTimeField()
    due_at = models.DateTimeField()
    # When its due window opens, if not when it was ordered: the doses of a treatment course are
    # all ordered at the decision (spec §7) but each is due one interval after the one before, and
    # a missed dose escalates over that interval like any order, not over the days since the
    # decision. Null: the window opens when the order was placed.
    window_opens_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When its due window opens, if not when it was ordered (a later dose of a treatment "
        "course: when the one before was due).",
    )
    # Set when the pathway escalates the order before it is due (template
    # escalation_start_offset_minutes): its escalation climbs from here instead of from due_at.
    escalates_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1, help_text="Optimistic-concurrency counter.")

    result = models.TextField(blank=True)
    # Structured result of some orders (lp: CSF values; ncs_emg: consistent with GBS), validated
    # per order key in orders.results. Null for orders that only take a text result.
    result_data = models.JSONField(null=True, blank=True)
    # What the order was placed with, for orders computed when placed (spec §7: an IVIG dose's
    # grams, the weight and formula used); shown on the order, never recomputed.
    details = models.JSONField(default=dict, blank=True)
    reason = models.TextField(blank=True, help_text="Why it was marked not indicated or cancelled.")
    started_at = models.DateTimeField(null=True, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # When and by whom it was marked not indicated or cancelled.
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["due_at", "id"]
        indexes = [
            # orders.selectors.orders_overdue and the overdue dashboard: open orders by due time.
            # With the workup (PostgreSQL only, an INCLUDE column) the dashboard's counts (COUNT(*)
            # of the overdue orders, per ward) are an index-only scan: 0.5 ms instead of a 12 ms
            # bitmap scan of every open order at 10k open workups.
            models.Index(
                fields=["due_at"],
                include=["workup"],
                condition=Q(status__in=["pending", "in_progress"]),
                name="order_open_due_idx",
            ),
            # Workup page and progress: the orders of one workup by status.
            models.Index(fields=["workup", "status"], name="order_workup_status_idx"),
        ]
        constraints = [
            # Spec §2 v1.1: an active series has exactly one open occurrence; never two.
            models.UniqueConstraint(
                fields=["series"],
                condition=Q(status__in=["pending", "in_progress"]),
                name="order_one_open_per_series",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.key} #{self.occurrence} (workup {self.workup_id}, {self.status})"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def escalation_starts_at(self):
        """Where the escalation climb starts: due time, or earlier when the pathway says so."""
        return min(self.escalates_at, self.due_at) if self.escalates_at else self.due_at

    @property
    def window_minutes(self) -> int:
        """Minutes from the window's opening (ordering, unless set) to due: the 'interval' that
        spec §6 escalation percentages use."""
        return int((self.due_at - (self.window_opens_at or self.ordered_at)).total_seconds() // 60)
