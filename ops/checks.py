import ipaddress

from django.conf import settings
from django.core import checks


@checks.register()
def metrics_networks_are_valid(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """A typo in METRICS_ALLOWED_NETWORKS must stop the deployment, not fail every scrape."""
    errors = []
    for network in settings.METRICS_ALLOWED_NETWORKS:
        try:
            ipaddress.ip_network(network, strict=False)
        except ValueError:
            errors.append(
                checks.Error(
                    f"METRICS_ALLOWED_NETWORKS: {network!r} is not an IP network (e.g. 10.1.2.0/24).", id="ops.E001"
                )
            )
    return errors
