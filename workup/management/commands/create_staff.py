from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from workup.models import User, Ward
from workup.roles import WARD_SPANNING_ROLES, Role


class Command(BaseCommand):
    help = (
        "Create a member of staff with a role and wards, or bring an existing one in line (idempotent). "
        "Roles: " + ", ".join(Role.values)
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", required=True, action="append", dest="roles", help="May repeat.")
        parser.add_argument("--ward", action="append", dest="wards", default=[], help="Ward code; may repeat.")
        parser.add_argument("--password", help="Initial password (omit to keep an existing one).")
        parser.add_argument("--email", default="")
        parser.add_argument("--first-name", default="")
        parser.add_argument("--last-name", default="")

    @transaction.atomic
    def handle(self, *args, username, roles, wards, password=None, email="", first_name="", last_name="", **opts):
        unknown_roles = [r for r in roles if r not in Role.values]
        if unknown_roles:
            raise CommandError(f"Unknown role(s) {', '.join(unknown_roles)}. Roles: {', '.join(Role.values)}.")
        ward_rows = list(Ward.objects.filter(code__in=wards))
        unknown_wards = sorted(set(wards) - {w.code for w in ward_rows})
        if unknown_wards:
            raise CommandError(
                f"Unknown ward(s) {', '.join(unknown_wards)}. Create them first: manage.py create_ward CODE --name ..."
            )
        if not ward_rows and not set(roles) & WARD_SPANNING_ROLES:
            raise CommandError(f"Role(s) {', '.join(roles)} need at least one --ward.")

        user = User.objects.filter(username=username).first()
        created = user is None
        if created and not password:
            raise CommandError("A new member of staff needs --password.")
        user = user or User(username=username)
        user.email = email or user.email
        user.first_name = first_name or user.first_name
        user.last_name = last_name or user.last_name
        # Admins manage the system through the Django admin too.
        user.is_staff = Role.ADMIN in roles
        if password:
            try:
                validate_password(password, user)
            except ValidationError as error:
                raise CommandError("Password refused: " + " ".join(error.messages)) from error
            user.set_password(password)
        user.save()
        user.groups.set(Group.objects.filter(name__in=roles))
        user.wards.set(ward_rows)
        self.stdout.write(
            f"{'Created' if created else 'Updated'} {username}: role(s) {', '.join(roles)}; "
            f"ward(s) {', '.join(w.code for w in ward_rows) or 'all (role spans wards)'}."
        )
