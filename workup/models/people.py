from django.contrib.auth.models import AbstractUser
from django.db import models


class User(AbstractUser):
    """A member of staff. Roles are Django groups (see workup.roles); wards scope what they see."""

    wards = models.ManyToManyField("workup.Ward", related_name="staff", blank=True)

    @property
    def role_names(self) -> set[str]:
        # Cached per instance: permission checks ask this several times per request.
        if not hasattr(self, "_role_names"):
            self._role_names = set(self.groups.values_list("name", flat=True))
        return self._role_names
