import pytest
from fhir.resources.R4B import get_fhir_model_class
from fhir_core.fhirabstractmodel import FHIRAbstractModel

# The API's fixtures: a user per role on ward 4N, token clients, a workup there and one on 5S.
from tests.api.conftest import (  # noqa: F401
    _fresh_throttle_counts,
    admin,
    api,
    charge_nurse,
    clock,
    neurologist,
    other_workup,
    outsider,
    users,
    workup,
)


def _check_codes(model: FHIRAbstractModel, path: str) -> None:
    """fhir.resources checks structure and types but not the codes of required bindings; its
    field metadata lists them ("enum_values", with "+" where the list is open). Check those."""
    for name, field in type(model).model_fields.items():
        value = getattr(model, name, None)
        if value is None:
            continue
        allowed = (
            (field.json_schema_extra or {}).get("enum_values") if isinstance(field.json_schema_extra, dict) else None
        )
        if allowed and "+" not in allowed:
            assert value in allowed, f"{path}.{name} = {value!r} is not one of {allowed}"
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, FHIRAbstractModel):
                _check_codes(item, f"{path}.{name}")


def validate_r4b(resource: dict):
    """Parse a resource with fhir.resources' R4B model (raises on anything R4B does not allow),
    then check the codes of its closed value sets."""
    model = get_fhir_model_class(resource["resourceType"]).model_validate(resource)
    _check_codes(model, resource["resourceType"])
    return model


@pytest.fixture
def r4b():
    return validate_r4b
