"""--live compares its pages with the virtual run's: the same pages (patient, person, level,
severity, subject) within the tolerance match one to one; anything missing or extra is named."""

from simulation.live import Page, compare


def page(mrn="SIM42-0001", who="sim-physician-0", level=0, severity="HIGH", subject="alert group", at=10.0):
    return Page(mrn, who, level, severity, subject, at)


def test_the_same_pages_within_the_tolerance_are_the_same_run():
    virtual = [page(at=10), page(who="sim-neuro-0", at=10), page(level=1, at=310)]
    live = [page(at=10.4), page(who="sim-neuro-0", at=11), page(level=1, at=325)]
    result = compare(virtual, live, minutes=10, tolerance_s=30)
    assert result["same"] is True
    assert result["matched"] == 3
    assert result["live_minus_virtual_s"] == {"min": 0.4, "max": 15.0}


def test_a_page_missing_late_or_extra_in_the_live_run_is_named():
    virtual = [page(at=10), page(level=1, at=310)]
    live = [page(at=10), page(level=1, at=400), page(subject="resp_check", who="sim-nurse-0-0", at=200)]
    result = compare(virtual, live, minutes=10, tolerance_s=30)
    assert result["same"] is False
    assert result["only_virtual"] == [["SIM42-0001", "sim-physician-0", 1, "HIGH", "alert group", 1]]
    assert ["SIM42-0001", "sim-nurse-0-0", 0, "HIGH", "resp_check", 1] in result["only_live"]


def test_pages_at_the_end_of_the_window_are_left_out_of_the_comparison():
    # A virtual page 10 s before the end may reach the live run after it: not compared.
    result = compare([page(at=10), page(level=1, at=590)], [page(at=10)], minutes=10, tolerance_s=30)
    assert result["same"] is True and result["matched"] == 1
