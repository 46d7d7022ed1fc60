"""The VC chart geometry: a pure function from readings to SVG coordinates."""

import datetime as dt
from decimal import Decimal as D
from zoneinfo import ZoneInfo

from workup.web.chart import BOTTOM, HEIGHT, LEFT, RIGHT, TOP, WIDTH, ChartReading, vc_chart

T = dt.datetime(2026, 11, 24, 8, 0, tzinfo=dt.UTC)
AMS = ZoneInfo("Europe/Amsterdam")
PLOT_BOTTOM, PLOT_TOP = HEIGHT - BOTTOM, TOP


def reading(hours, fvc_ml=None, per_kg=None, nif=None):
    return ChartReading(
        taken_at=T + dt.timedelta(hours=hours),
        fvc_ml=None if fvc_ml is None else D(fvc_ml),
        fvc_ml_per_kg_ibw=None if per_kg is None else D(per_kg),
        nif_cm_h2o=None if nif is None else D(nif),
    )


def test_no_readings_is_an_empty_chart_with_threshold_lines():
    chart = vc_chart(readings=[], tz=AMS)
    assert chart.empty and chart.best is None and chart.time_ticks == []
    # Axis tops of 40 mL/kg and 60 cmH2O: 20 mL/kg half-way up, −30 cmH2O half-way up.
    assert chart.fvc_threshold_y == (PLOT_BOTTOM + PLOT_TOP) / 2
    assert chart.nif_threshold_y == (PLOT_BOTTOM + PLOT_TOP) / 2


def test_oldest_left_newest_right_and_down_is_worse():
    chart = vc_chart(readings=[reading(4, 1500, 20, -15), reading(0, 3000, 40, -60)], tz=AMS)
    first, last = chart.fvc_points
    assert (first.x, last.x) == (LEFT, WIDTH - RIGHT)
    assert first.y == PLOT_TOP and last.y == chart.fvc_threshold_y  # 40 at the top, 20 on the line
    nif_first, nif_last = chart.nif_points
    assert nif_first.y == PLOT_TOP  # −60: strongest, at the top
    assert nif_last.y > chart.nif_threshold_y  # −15 is weaker than −30: below the line
    assert nif_last.value == D(-15)
    assert chart.fvc_polyline == f"{LEFT:.1f},{PLOT_TOP:.1f} {WIDTH - RIGHT:.1f},{chart.fvc_threshold_y:.1f}"


def test_single_reading_sits_in_the_middle():
    chart = vc_chart(readings=[reading(0, 2000, 28)], tz=AMS)
    assert chart.fvc_points[0].x == LEFT + (WIDTH - RIGHT - LEFT) / 2
    assert [t.label for t in chart.time_ticks] == ["24 Nov 09:00"]  # shown in the hospital's zone


def test_best_marker_is_the_highest_fvc_in_ml_earliest_on_a_tie():
    chart = vc_chart(readings=[reading(0, 2500, 35), reading(1, 3000, 42), reading(2, 3000, 42)], tz=AMS)
    assert chart.best.taken_at == T + dt.timedelta(hours=1)
    assert chart.best.y == chart.fvc_points[1].y


def test_axis_grows_for_large_values_and_labels_nif_as_negative():
    chart = vc_chart(readings=[reading(0, 5000, 71, -95)], tz=AMS)
    assert chart.fvc_ticks[-1].label == "80" and chart.fvc_ticks[0].label == "0"
    assert chart.nif_ticks[-1].label == "-100"
    assert chart.fvc_points[0].y > PLOT_TOP


def test_readings_without_fvc_or_nif_are_skipped_in_their_series():
    chart = vc_chart(readings=[reading(0, nif=-40), reading(1, 2000, 28)], tz=AMS)
    assert len(chart.fvc_points) == 1 and len(chart.nif_points) == 1
    assert not chart.empty
