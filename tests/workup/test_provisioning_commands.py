import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from orders.models import Order
from workup.models import Alert, Patient, User, Ward, Workup

pytestmark = pytest.mark.django_db


def test_create_ward_is_idempotent_and_updates_the_name(capsys):
    call_command("create_ward", "4N", "--name", "Neurology 4 North")
    call_command("create_ward", "4N", "--name", "Neurology 4 North (HDU)")

    assert Ward.objects.get().name == "Neurology 4 North (HDU)"
    assert "Updated ward 4N" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["4 N", "--name", "x"], "code"),
        (["4N", "--name", "x", "--timezone", "Mars/Olympus"], "time zone"),
    ],
)
def test_create_ward_refuses_bad_input(args, message):
    with pytest.raises(CommandError, match=message):
        call_command("create_ward", *args)
    assert not Ward.objects.exists()


def test_create_staff_with_role_and_several_wards_is_idempotent():
    call_command("create_ward", "4N", "--name", "N")
    call_command("create_ward", "5S", "--name", "S")

    call_command(
        "create_staff", "anna", "--role", "nurse", "--ward", "4N", "--ward", "5S", "--password", "Tr1cky-Pass-42"
    )
    call_command("create_staff", "anna", "--role", "charge_nurse", "--ward", "4N")

    anna = User.objects.get(username="anna")
    assert set(anna.groups.values_list("name", flat=True)) == {"charge_nurse"}
    assert list(anna.wards.values_list("code", flat=True)) == ["4N"]
    assert anna.check_password("Tr1cky-Pass-42")


def test_an_admin_needs_no_ward():
    call_command("create_staff", "it", "--role", "admin", "--password", "Tr1cky-Pass-42")

    admin = User.objects.get(username="it")
    assert admin.is_staff
    assert admin.role_names == {"admin"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["bob", "--role", "surgeon", "--ward", "4N", "--password", "Tr1cky-Pass-42"], "Unknown role"),
        (["bob", "--role", "nurse", "--ward", "9Z", "--password", "Tr1cky-Pass-42"], "Unknown ward"),
        (["bob", "--role", "nurse", "--password", "Tr1cky-Pass-42"], "need at least one --ward"),
        (["bob", "--role", "nurse", "--ward", "4N"], "needs --password"),
        (["bob", "--role", "nurse", "--ward", "4N", "--password", "123"], "Password refused"),
    ],
)
def test_create_staff_fails_clearly(args, message):
    call_command("create_ward", "4N", "--name", "N")

    with pytest.raises(CommandError, match=message):
        call_command("create_staff", *args)
    assert not User.objects.filter(username="bob").exists()


def test_seed_demo_is_idempotent(settings, tmp_path, capsys):
    settings.VAR_DIR = tmp_path

    call_command("seed_demo")
    first = (
        Ward.objects.count(),
        User.objects.count(),
        Patient.objects.count(),
        Workup.objects.count(),
        Order.objects.count(),
    )
    first_out = capsys.readouterr().out
    call_command("seed_demo")

    assert first == (
        Ward.objects.count(),
        User.objects.count(),
        Patient.objects.count(),
        Workup.objects.count(),
        Order.objects.count(),
    )
    assert first[3] == 4
    assert set(User.objects.values_list("username", flat=True)) == {
        "nurse",
        "charge",
        "physician",
        "neurologist",
        "admin",
    }
    # stages: one closed, one with work done, one overdue STAT MRI
    assert Workup.objects.filter(status="closed").count() == 1
    assert Order.objects.filter(status="completed").exists()
    assert Order.objects.filter(key="mri_spine", priority="stat").exists()
    # the falling vital capacity of demo patient two has raised a CRIT alert, once
    assert Alert.objects.filter(rule="nif_weak", severity="CRIT").count() == 1
    logins = (tmp_path / "demo-logins.txt").read_text()
    assert "nurse" in logins and "nurse" in first_out
    assert (tmp_path / "demo-logins.txt").stat().st_mode & 0o077 == 0
