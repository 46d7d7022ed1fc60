"""The make bench harness's own arithmetic (the figures it publishes are only as good as this)."""

from bench.harness import Measurement, percentile


def test_nearest_rank_percentiles():
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 50) == 50.0
    assert percentile(values, 95) == 95.0
    assert percentile(values, 99) == 99.0
    assert percentile(list(reversed(values)), 99) == 99.0
    assert percentile([7.0], 99) == 7.0


def test_a_measurement_summarises_its_samples():
    m = Measurement(target="1", name="fire lag", unit="ms", samples=[30.0, 10.0, 20.0, 40.0]).summarise()
    assert m.stats == {"n": 4, "median": 25.0, "p95": 40.0, "p99": 40.0, "min": 10.0, "max": 40.0}
