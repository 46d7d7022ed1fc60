from django.apps import AppConfig


class SimulationConfig(AppConfig):
    """The ward simulation (issue 14): `manage.py simulate`. No models; it drives the other apps
    from above, so it lives beside them rather than inside one (notifications may import workup and
    orders, never the reverse; the simulation imports all three)."""

    name = "simulation"
    verbose_name = "Ward simulation"
