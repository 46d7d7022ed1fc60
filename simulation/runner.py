"""One run of a cohort: wards and staff, each course triaged at its arrival, every order done as the
ward does it, every page answered as the staff answer it, all under the virtual clock and through
the real services; then what reached people is read back from the database (outcomes)."""

from __future__ import annotations

import time
import traceback
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.contrib.auth.models import Group
from django.core import mail
from django.db import connection, transaction
from django.test.utils import override_settings

from notifications.models import Channel, Notification
from orders.models import OPEN_STATUSES, Order
from simulation import ward as ward_actions
from simulation.broker import VirtualBroker
from simulation.clock import VirtualClock, WallClock
from simulation.cohort import Course, StaffHabits, ack_delay, check_delay, make_cohort, response_delay
from simulation.ward import PHYSICIAN_ROLES, Patient, Staff
from workup.errors import DomainError
from workup.models import User, Ward, Workup
from workup.models.workup import CloseOutcome
from workup.roles import Role
from workup.services.assignment import workup_assign_nurse
from workup.services.closing import workup_close
from workup.services.triage import workup_open

# A Monday 07:00 UTC: the run starts at the beginning of a day shift.
DEFAULT_START = datetime(2026, 11, 2, 7, 0, tzinfo=UTC)
PATIENTS_PER_WARD = 20
WARDS_PER_NEUROLOGIST = 4
BACK_DATED_LAG_MINUTES = (30, 120)
# A virtual broker has no visibility timeout: every timer is published when armed (broker.py).
VIRTUAL_ARM_HORIZON_SECONDS = 400 * 24 * 3600


def _newest_notification_id() -> int:
    """The highest notification id so far (0 if none): raw SQL, as it runs after every event."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT MAX(id) FROM {Notification._meta.db_table}")  # noqa: S608 - a model's table name
        return cursor.fetchone()[0] or 0


def ward_of(course: Course) -> int:
    """Courses fill wards in order of arrival index, PATIENTS_PER_WARD to a ward."""
    return course.index // PATIENTS_PER_WARD


def shard_of(course: Course, shards: int) -> int:
    """Whole wards go to one shard (a ward's staff and pages stay together)."""
    return ward_of(course) % shards


@dataclass(frozen=True)
class RunConfig:
    courses: int = 500
    days: int = 14
    seed: int = 42
    start: datetime = DEFAULT_START
    arrival_window_h: float = 24.0
    shard: int = 0
    shards: int = 1
    minutes: int | None = None  # a run shorter than its courses (the live comparison): ends here
    habits: StaffHabits | None = None  # the staff's habits (default: cohort.StaffHabits)


@dataclass
class RunLog:
    """What the run itself saw (the outcomes come from the database)."""

    counts: Counter = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    refusals: list[str] = field(default_factory=list)  # what the services refused, and why (first 200)
    events: int = 0
    seconds: float = 0.0


PROGRESS_EVERY_SECONDS = 60.0


class Run:
    def __init__(
        self,
        config: RunConfig,
        *,
        cohort: list[Course] | None = None,
        live: bool = False,
        progress: Callable[[str], None] | None = None,
    ) -> None:
        """``progress``: told a line about how far the run has come every PROGRESS_EVERY_SECONDS."""
        self.config = config
        self._progress = progress
        self._started = time.monotonic()
        self._next_progress = self._started + PROGRESS_EVERY_SECONDS
        whole = (
            cohort
            if cohort is not None
            else make_cohort(
                seed=config.seed,
                courses=config.courses,
                arrival_window_h=config.arrival_window_h,
                habits=config.habits,
            )
        )
        self.cohort = [c for c in whole if shard_of(c, config.shards) == config.shard]
        # Live: real time, and timers, deliveries and the beat go through the real broker and worker.
        self.live = live
        self.clock = WallClock(config.start) if live else VirtualClock(config.start)
        self.broker = VirtualBroker(self.clock)
        self.log = RunLog()
        self.patients: dict[int, Patient] = {}
        self.role_of: dict[int, str] = {}
        self._scheduled_due: dict[int, datetime] = {}
        self._missed: set[int] = set()
        self._answering: set[int] = set()
        self._acking: set[int] = set()
        self._reviewing: set[int] = set()
        self._last_notification = 0

    @property
    def end(self) -> datetime:
        if self.config.minutes is not None:
            return self.config.start + timedelta(minutes=self.config.minutes)
        return self.config.start + timedelta(hours=self.config.arrival_window_h, days=self.config.days, minutes=1)

    # --- the run ------------------------------------------------------------------------------
    def execute(self) -> RunLog:
        started = time.monotonic()
        if self.live:
            return self._execute_live(started)
        quiet = override_settings(
            EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
            ESCALATION_ARM_HORIZON_SECONDS=VIRTUAL_ARM_HORIZON_SECONDS,
        )
        with quiet, self.clock, self.broker.installed():
            self._schedule_arrivals(self._teams())
            self.broker.start_beat(first=self.config.start, until=self.end)
            self.clock.run_until(self.end, after_each=self._after_event)
        self.log.events = self.clock.events_run
        self.log.counts.update(self.broker.counts)
        self.log.seconds = time.monotonic() - started
        return self.log

    def _schedule_arrivals(self, teams: dict[int, Staff]) -> None:
        for course in self.cohort:
            at = self.config.start + timedelta(hours=course.arrives_after_h)
            self.clock.at(at, self._triage, course, teams[ward_of(course)], label="triage")

    def _execute_live(self, started: float) -> RunLog:
        teams = self._teams()
        self._schedule_arrivals(teams)
        # The worker writes the pages: look for new ones every second.
        self.clock.every(1, lambda: None, first=self.config.start, until=self.end, label="poll")
        self.clock.run_until(self.end, after_each=self._after_event)
        self.log.events = self.clock.events_run
        self.log.seconds = time.monotonic() - started
        return self.log

    def _teams(self) -> dict[int, Staff]:
        wards = sorted({ward_of(course) for course in self.cohort})
        groups = {role: Group.objects.get(name=role) for role in Role.values}

        def member(username: str, role: str, ward_list: list[Ward]) -> User:
            user = User.objects.create_user(username=username, email=f"{username}@sim.invalid", first_name=role)
            user.groups.add(groups[role])
            user.wards.set(ward_list)
            self.role_of[user.pk] = role
            return user

        teams: dict[int, Staff] = {}
        neurologists: dict[int, User] = {}
        for i in wards:
            ward = Ward.objects.create(
                code=f"S{i:02d}", name=f"Simulated ward {i}", webhook_url="https://pager.sim.invalid/hook"
            )
            on_call = i // WARDS_PER_NEUROLOGIST
            if on_call not in neurologists:
                neurologists[on_call] = member(f"sim-neuro-{on_call}", Role.NEUROLOGIST, [])
            neurologist = neurologists[on_call]
            neurologist.wards.add(ward)
            teams[i] = Staff(
                ward=ward,
                nurses=[member(f"sim-nurse-{i}-{n}", Role.NURSE, [ward]) for n in range(3)],
                charge_nurse=member(f"sim-charge-{i}", Role.CHARGE_NURSE, [ward]),
                physician=member(f"sim-physician-{i}", Role.PHYSICIAN, [ward]),
                neurologist=neurologist,
            )
        return teams

    def _guarded(self, what: str, action, *args) -> object:
        """Run one staff action; a refusal the services give is counted, anything else is an error."""
        try:
            with transaction.atomic():
                return action(*args)
        except DomainError as refusal:
            self.log.counts[f"refused:{what}:{type(refusal).__name__}"] += 1
            if len(self.log.refusals) < 200:
                detail = getattr(refusal, "errors", None) or str(refusal)
                self.log.refusals.append(f"{self.clock.now.isoformat()} {what}: {detail}")
        except Exception:  # noqa: BLE001 - a crash in a service is what the run is here to find
            self.log.errors.append(f"{self.clock.now.isoformat()} {what}: {traceback.format_exc(limit=6)}")
        return None

    # --- staff actions --------------------------------------------------------------------------
    def _triage(self, course: Course, team: Staff) -> None:
        now = self.clock.now
        dob = (now - timedelta(days=365.25 * course.age_years + 30)).date()
        onset = (now - timedelta(days=course.onset_days_before)).date()
        workup = self._guarded(
            "triage",
            lambda: workup_open(
                patient_data={
                    "mrn": course.mrn,
                    "name": f"Simulated Patient {course.index}",
                    "date_of_birth": dob,
                    "sex": course.sex,
                    "height_cm": course.height_cm,
                    "weight_kg": course.weight_kg,
                },
                ward=team.ward,
                triage={
                    "bed": str(course.index % PATIENTS_PER_WARD + 1),
                    "onset_of_weakness_on": onset,
                    "limb_weakness_pattern": "ascending",
                    "paresthesia": True,
                    "facial_weakness": course.facial_weakness,
                    "bulbar_weakness": course.bulbar_weakness,
                    "dysphagia": course.bulbar_weakness,
                    "dyspnea": course.dyspnea_at_triage,
                    "reflexes": "reduced",
                    "mrc_sum_score": course.admission_mrc,
                    "preceding_diarrhoea": course.preceding_diarrhoea,
                    "able_to_walk_unaided": course.admission_mrc >= 48,
                },
                opened_by=team.physician,
                now=now,
                confirm_unusual_weight=True,
            ),
        )
        if workup is None:
            return
        nurse = team.nurses[course.index % len(team.nurses)]
        self._guarded(
            "assign_nurse", lambda: workup_assign_nurse(workup=workup, nurse=nurse, by=team.charge_nurse, now=now)
        )
        patient = Patient(course=course, workup=workup, staff=team, nurse=nurse, triaged_at=now)
        self.patients[workup.pk] = patient
        self.log.counts["triaged"] += 1
        self.clock.at(now + timedelta(days=self.config.days), self._close, patient, label="close")
        self._plan_orders(patient)

    def _close(self, patient: Patient) -> None:
        workup = Workup.objects.get(pk=patient.workup.pk)
        done = self._guarded(
            "close",
            lambda: workup_close(
                workup=workup,
                by=patient.staff.physician,
                outcome=CloseOutcome.OTHER,
                note="End of the simulated course",
                now=self.clock.now,
            ),
        )
        if done is not None:
            self.log.counts["closed"] += 1

    def _plan_orders(self, patient: Patient) -> None:
        """Schedule when each open order of the workup will be done (again if its due time moved)."""
        rows = (
            Order.objects.filter(workup_id=patient.workup.pk, status__in=OPEN_STATUSES)
            .order_by("due_at", "key")
            .values_list("pk", "key", "due_at", "created_at")
        )
        for order_id, key, due_at, created_at in rows:
            if self._scheduled_due.get(order_id) == due_at or order_id in self._missed:
                continue
            self._scheduled_due[order_id] = due_at
            delay = check_delay(patient.rng(f"plan:{key}"), patient.course.habits)
            if delay is None:
                self._missed.add(order_id)
                self.log.counts["checks_missed"] += 1
                continue
            at = max(due_at + delay, created_at + timedelta(minutes=1), self.clock.now)
            self.clock.at(at, self._do, patient, order_id, due_at, "routine", label="order")

    def _do(self, patient: Patient, order_id: int, planned_for_due: datetime | None, why: str) -> None:
        order = ward_actions.is_open(order_id)
        if order is None:
            return
        if planned_for_due is not None and order.due_at != planned_for_due:
            return  # its due time moved; _plan_orders scheduled it again
        by = patient.staff.for_role(order.assigned_role, assigned_nurse=patient.nurse)
        now = self.clock.now
        rng = patient.rng(f"do:{order.key}:{why}")
        if order.key in ward_actions.READING_KEYS | {"neuro_exam", "autonomic"} and (
            rng.random() < patient.course.habits.back_dated_share
        ):
            lag = timedelta(minutes=rng.uniform(*BACK_DATED_LAG_MINUTES))
            self.clock.at(now + lag, self._write_up, patient, order_id, now, label="back-dated")
            return
        done = self._guarded(f"do:{order.key}", lambda: ward_actions.do_check(patient, order, by=by, now=now, rng=rng))
        if done:
            self.log.counts[f"done:{done}:{why}"] += 1
        self._plan_orders(patient)

    def _write_up(self, patient: Patient, order_id: int, taken_at: datetime) -> None:
        """A check taken earlier, entered now (back-dated): compared with its neighbours in time."""
        order = Order.objects.get(pk=order_id)
        by = patient.staff.for_role(order.assigned_role, assigned_nurse=patient.nurse)
        rng = patient.rng(f"write-up:{order.key}")
        now = self.clock.now
        done = self._guarded(
            f"back-dated:{order.key}",
            lambda: ward_actions.do_check(patient, order, by=by, now=now, rng=rng, taken_at=taken_at),
        )
        if done:
            self.log.counts[f"done:{done}:back-dated"] += 1
        self._plan_orders(patient)

    def _acknowledge(self, patient: Patient, group_id: int, user: User) -> None:
        self._acking.discard(group_id)
        if self._guarded("acknowledge", lambda: ward_actions.acknowledge(group_id, by=user, now=self.clock.now)):
            self.log.counts["acknowledged"] += 1
            if group_id not in self._reviewing:
                self._reviewing.add(group_id)
                rng = patient.rng("review")
                self.clock.at(
                    self.clock.now + ward_actions.review_delay(rng), self._review, patient, group_id, label="review"
                )

    def _review(self, patient: Patient, group_id: int) -> None:
        self._reviewing.discard(group_id)
        outcome = self._guarded(
            "review",
            lambda: ward_actions.review(patient, group_id, by=patient.staff.physician, now=self.clock.now),
        )
        if outcome:
            self.log.counts[f"review:{outcome}"] += 1
        self._plan_orders(patient)

    # --- pages ------------------------------------------------------------------------------------
    def _after_event(self, event) -> None:
        if self._progress is not None and time.monotonic() >= self._next_progress:
            self._report_progress()
        if event.label == "series" and self.broker.last_series_repaired:
            # The safety net placed occurrences the services had not: the ward sees them on the board.
            for patient in self.patients.values():
                self._plan_orders(patient)
        if len(getattr(mail, "outbox", ())) > 1000:
            mail.outbox.clear()  # the locmem backend's sent mail: counted from the database instead
        newest = _newest_notification_id()
        if newest <= self._last_notification:
            return  # most events page no one: one cheap statement instead of the query below
        pages = list(
            Notification.objects.filter(pk__gt=self._last_notification, pk__lte=newest, channel=Channel.IN_APP)
            .order_by("pk")
            .values_list(
                "pk", "recipient_id", "workup_id", "level", "escalation__alert_group_id", "escalation__order_id"
            )
        )
        self._last_notification = newest
        for _pk, recipient_id, workup_id, level, group_id, order_id in pages:
            patient = self.patients.get(workup_id)
            if patient is not None:
                self._answer_page(patient, recipient_id, level or 0, group_id, order_id)

    def _report_progress(self) -> None:
        """How far in virtual time, and a rough time left (the events ahead assumed as dense as
        those behind: arrivals make the first day the densest, so it errs long)."""
        now = time.monotonic()
        self._next_progress = now + PROGRESS_EVERY_SECONDS
        done = (self.clock.now - self.config.start) / (self.end - self.config.start)
        elapsed = now - self._started
        left = f"about {elapsed * (1 - done) / done / 60:.0f} min left" if done > 0 else "time left not known yet"
        self._progress(
            f"shard {self.config.shard + 1}/{self.config.shards}: virtual {done:.0%} "
            f"({self.clock.now:%d %b %H:%M} UTC), {self.clock.events_run:,} events in {elapsed / 60:.1f} min; {left}"
        )

    def _answer_page(self, patient: Patient, recipient_id: int, level: int, group_id, order_id) -> None:
        role = self.role_of.get(recipient_id)
        rng = patient.rng("page:alert group" if group_id is not None else "page:order")
        if group_id is not None:
            # Physicians acknowledge their patients' alert groups; the first page to reach one wins.
            if role in PHYSICIAN_ROLES and group_id not in self._acking:
                self._acking.add(group_id)
                user = User.objects.get(pk=recipient_id)
                self.clock.at(
                    self.clock.now + ack_delay(rng, patient.course.habits),
                    self._acknowledge,
                    patient,
                    group_id,
                    user,
                    label="ack",
                )
            return
        if order_id is None or order_id in self._answering:
            return
        if level == 0 and order_id in self._missed:
            return  # the nurse who let it slip does not act on her own reminder; the next level will
        self._answering.add(order_id)
        self.clock.at(self.clock.now + response_delay(rng), self._answer_order_page, patient, order_id, label="answer")

    def _answer_order_page(self, patient: Patient, order_id: int) -> None:
        self._answering.discard(order_id)
        self._missed.discard(order_id)
        self._do(patient, order_id, None, "paged")
