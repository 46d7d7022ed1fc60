"""The VC trend chart of the workup page as plain numbers: readings in, SVG coordinates out.

A pure function, so the geometry is tested without a browser; the template only draws what it is
given. Both series are drawn so that *down is worse*: FVC in mL/kg of ideal body weight on the
left axis (0 at the bottom), NIF as its magnitude on the right axis (0 cmH2O at the bottom,
−30 above it), each with its spec §3 threshold line — vc_low's mL/kg and nif_weak's cmH2O, read from
the rule table the workup's pathway version evaluates (20 mL/kg and −30 cmH2O by default).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from decimal import Decimal

from workup.clinical.respiratory import RESPIRATORY_RULES
from workup.clinical.rules import Rule, limit_number_text

WIDTH = 640
HEIGHT = 300
LEFT, RIGHT, TOP, BOTTOM = 56, 64, 32, 44  # margins for the axis labels and units
FVC_AXIS_MIN_TOP = Decimal("40")  # the axes never shrink below a scale where thresholds read well
NIF_AXIS_MIN_TOP = Decimal("60")
TICKS = 4


@dataclass(frozen=True)
class ChartReading:
    taken_at: datetime
    fvc_ml: Decimal | None
    fvc_ml_per_kg_ibw: Decimal | None
    nif_cm_h2o: Decimal | None


@dataclass(frozen=True)
class ChartPoint:
    x: float
    y: float
    value: Decimal
    taken_at: datetime


@dataclass(frozen=True)
class Tick:
    position: float
    label: str


@dataclass(frozen=True)
class VcChart:
    width: int
    height: int
    left: float
    right: float
    top: float
    bottom: float
    fvc_points: list[ChartPoint]
    nif_points: list[ChartPoint]
    fvc_threshold_y: float
    nif_threshold_y: float
    fvc_threshold_label: str  # "20 mL/kg"
    nif_threshold_label: str  # "−30 cmH2O"
    best: ChartPoint | None
    fvc_ticks: list[Tick]
    nif_ticks: list[Tick]
    time_ticks: list[Tick]

    @property
    def empty(self) -> bool:
        return not (self.fvc_points or self.nif_points)

    @property
    def fvc_polyline(self) -> str:
        return _polyline(self.fvc_points)

    @property
    def nif_polyline(self) -> str:
        return _polyline(self.nif_points)


def _polyline(points: list[ChartPoint]) -> str:
    return " ".join(f"{p.x:.1f},{p.y:.1f}" for p in points)


def _label(value: Decimal) -> str:
    return "0" if value == 0 else f"{value.normalize():f}"


def _nice_top(largest: Decimal, floor: Decimal) -> Decimal:
    """The axis top: at least ``floor``, else the largest value rounded up to a multiple of 10."""
    if largest <= floor:
        return floor
    return (largest / 10).to_integral_value(rounding="ROUND_CEILING") * 10


def _threshold(rules: Sequence[Rule], key: str, measure: str) -> Decimal:
    return next(c.threshold for r in rules if r.key == key for c in r.conditions if c.measure == measure)


def vc_chart(*, readings: Sequence[ChartReading], tz: tzinfo, rules: Sequence[Rule] = RESPIRATORY_RULES) -> VcChart:
    """Coordinates for the readings (any order), oldest left. The best-value marker sits on the
    reading with the highest FVC in mL, the figure the rules compare against. ``rules``: the
    respiratory table of the workup's pathway version, whose vc_low and nif_weak lines are drawn."""
    fvc_line = _threshold(rules, "vc_low", "fvc_ml_per_kg_ibw")
    nif_line = _threshold(rules, "nif_weak", "nif_cm_h2o")
    readings = sorted(readings, key=lambda r: r.taken_at)
    left, right, top, bottom = LEFT, WIDTH - RIGHT, TOP, HEIGHT - BOTTOM
    plot_w, plot_h = right - left, bottom - top

    fvc_values = [r.fvc_ml_per_kg_ibw for r in readings if r.fvc_ml_per_kg_ibw is not None]
    nif_values = [abs(r.nif_cm_h2o) for r in readings if r.nif_cm_h2o is not None]
    # The threshold lines stay inside the plot whatever a pathway version puts them at.
    fvc_top = _nice_top(max([*fvc_values, fvc_line * 2]), FVC_AXIS_MIN_TOP)
    nif_top = _nice_top(max([*nif_values, abs(nif_line) * 2]), NIF_AXIS_MIN_TOP)

    def y_for(value: Decimal, axis_top: Decimal) -> float:
        return bottom - float(value / axis_top) * plot_h

    if readings:
        start, end = readings[0].taken_at, readings[-1].taken_at
        span = (end - start).total_seconds()
    else:
        start = end = None
        span = 0

    def x_for(at: datetime) -> float:
        if span == 0:
            return left + plot_w / 2
        return left + (at - start).total_seconds() / span * plot_w

    fvc_points = [
        ChartPoint(x_for(r.taken_at), y_for(r.fvc_ml_per_kg_ibw, fvc_top), r.fvc_ml_per_kg_ibw, r.taken_at)
        for r in readings
        if r.fvc_ml_per_kg_ibw is not None
    ]
    nif_points = [
        ChartPoint(x_for(r.taken_at), y_for(abs(r.nif_cm_h2o), nif_top), r.nif_cm_h2o, r.taken_at)
        for r in readings
        if r.nif_cm_h2o is not None
    ]
    best = None
    with_fvc = [r for r in readings if r.fvc_ml is not None and r.fvc_ml_per_kg_ibw is not None]
    if with_fvc:
        # The earliest of equal bests: the one that set the mark.
        best_reading = max(with_fvc, key=lambda r: (r.fvc_ml, -r.taken_at.timestamp()))
        best = ChartPoint(
            x_for(best_reading.taken_at),
            y_for(best_reading.fvc_ml_per_kg_ibw, fvc_top),
            best_reading.fvc_ml_per_kg_ibw,
            best_reading.taken_at,
        )

    fvc_ticks = [Tick(y_for(fvc_top * i / TICKS, fvc_top), _label(fvc_top * i / TICKS)) for i in range(TICKS + 1)]
    nif_ticks = [Tick(y_for(nif_top * i / TICKS, nif_top), _label(-nif_top * i / TICKS)) for i in range(TICKS + 1)]
    time_ticks = []
    if readings:
        moments = [start] if span == 0 else [start, start + (end - start) / 2, end]
        time_ticks = [Tick(x_for(at), at.astimezone(tz).strftime("%d %b %H:%M")) for at in moments]

    return VcChart(
        width=WIDTH,
        height=HEIGHT,
        left=left,
        right=right,
        top=top,
        bottom=bottom,
        fvc_points=fvc_points,
        nif_points=nif_points,
        fvc_threshold_y=y_for(fvc_line, fvc_top),
        nif_threshold_y=y_for(abs(nif_line), nif_top),
        fvc_threshold_label=f"{limit_number_text(fvc_line)} mL/kg",
        nif_threshold_label=f"{limit_number_text(nif_line)} cmH2O",
        best=best,
        fvc_ticks=fvc_ticks,
        nif_ticks=nif_ticks,
        time_ticks=time_ticks,
    )
