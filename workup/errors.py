"""Domain errors raised by services. The API maps them to HTTP answers (400/409)."""


class DomainError(Exception):
    """A request that breaks a rule of the domain; the message is safe to show to a user."""


class InvalidInput(DomainError):
    """Input that fails validation. ``errors`` maps each field (nested for nested input) to messages."""

    def __init__(self, errors: dict) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{field}: {messages}" for field, messages in errors.items()))


class IllegalTransition(DomainError):
    def __init__(self, *, subject: str, from_status: str, to_status: str) -> None:
        self.subject = subject
        self.from_status = from_status
        self.to_status = to_status
        article = "An" if subject[:1] in "aeiou" else "A"
        super().__init__(f"{article} {subject} cannot go from '{from_status}' to '{to_status}'.")


class StaleVersion(DomainError):
    """The caller acted on an old copy of a row that someone else has changed since."""

    def __init__(self, *, subject: str, expected: int, current: int) -> None:
        self.subject = subject
        self.expected = expected
        self.current = current
        super().__init__(
            f"This {subject} was changed by someone else (you had version {expected}, "
            f"it is now version {current}). Reload it and try again."
        )


class DuplicateOpenWorkup(DomainError):
    """``workup_id`` is the open workup when the caller may see it, None when it is on a ward the
    caller does not work on: another ward's workup id is never handed out."""

    def __init__(self, *, mrn: str, workup_id: int | None, condition_label: str = "suspected-GBS") -> None:
        self.mrn = mrn
        self.workup_id = workup_id
        if workup_id is None:
            message = (
                f"Patient {mrn} already has an open {condition_label} workup on another ward; "
                "contact that ward: it must be closed before a new one is opened."
            )
        else:
            message = (
                f"Patient {mrn} already has an open {condition_label} workup (#{workup_id}); "
                "continue that one (switch its pathway if another condition is suspected) or close it first."
            )
        super().__init__(message)


class PatientIdentityMismatch(InvalidInput):
    """A known MRN arrived with another name, date of birth or sex: a likely wrong patient. The
    answer is one refusal that names no field, so that it never tells anyone which of the details
    they got right; ``differs`` (for the audit trail only) says which did not match."""

    MESSAGE = (
        "These details do not match the hospital record for this MRN. Check the MRN, name, date of birth "
        "and sex against the patient's wristband or record before continuing."
    )

    def __init__(self, *, patient_id: int, differs: list[str]) -> None:
        self.patient_id = patient_id
        self.differs = differs
        super().__init__({"non_field_errors": [self.MESSAGE]})


class ReopenWindowPassed(DomainError):
    def __init__(self, *, closed_at, hours: int) -> None:
        self.closed_at = closed_at
        self.hours = hours
        when = f" (closed at {closed_at:%Y-%m-%d %H:%M} UTC)" if closed_at else ""
        super().__init__(
            f"A workup can be reopened only within {hours} h of closing{when}; triage the patient again instead."
        )


class NotYetOverdue(DomainError):
    """An order acknowledged before anyone was paged about it: there is nothing to acknowledge,
    and a pause taken now would hold back the page at its due time (spec §6)."""

    def __init__(self, *, escalates_at) -> None:
        self.escalates_at = escalates_at
        super().__init__(
            f"This order is not overdue: no one has been paged about it yet (the first page is at "
            f"{escalates_at:%Y-%m-%d %H:%M} UTC). Acknowledge it once it is overdue, or complete it."
        )


class PathwayNotAvailable(DomainError):
    pass


class PathwayConflict(DomainError):
    pass


class IdempotencyKeyReused(DomainError):
    """An idempotency key (or a form's one-time token) sent again with a different request."""

    def __init__(self) -> None:
        super().__init__(
            "This Idempotency-Key was already used for a different request; use a new key for a new request."
        )


class IdempotentRequestInProgress(DomainError):
    """The first request with this idempotency key is still being handled."""

    def __init__(self) -> None:
        super().__init__("A request with this Idempotency-Key is still being handled; retry in a moment.")
