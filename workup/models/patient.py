from django.db import models

from workup.validators import InRange


class Sex(models.TextChoices):
    # Sex recorded for the ideal-body-weight formula (Devine), which differs for men and women.
    MALE = "male", "Male"
    FEMALE = "female", "Female"


class Patient(models.Model):
    mrn = models.CharField("MRN", max_length=32, unique=True, help_text="Hospital medical record number.")
    name = models.CharField(max_length=200)
    date_of_birth = models.DateField()
    sex = models.CharField(max_length=6, choices=Sex.choices)
    height_cm = models.DecimalField(max_digits=4, decimal_places=1, validators=[InRange("HEIGHT_CM")])
    weight_kg = models.DecimalField(max_digits=4, decimal_places=1, validators=[InRange("WEIGHT_KG")])
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["mrn"]

    def __str__(self) -> str:
        # The MRN, never the name: model strings end up in logs and notifications.
        return f"Patient {self.mrn}"
