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
    def __init__(self, *, mrn: str, workup_id: int, condition_label: str = "suspected-GBS") -> None:
        self.mrn = mrn
        self.workup_id = workup_id
        super().__init__(
            f"Patient {mrn} already has an open {condition_label} workup (#{workup_id}); "
            "continue that one (switch its pathway if another condition is suspected) or close it first."
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
