"""Create (or reset) the local national organiser account and print its login."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from members.models import User


class Command(BaseCommand):
    help = "Create the local organiser account for development and print its login."

    def add_arguments(self, parser):
        parser.add_argument("--username", default="organiser")
        parser.add_argument("--password", default="organise-the-branches")

    def handle(self, *args, username, password, **options):
        if not settings.DEBUG:
            raise CommandError("Refusing to create a known-password account with DEBUG off.")
        user, _ = User.objects.get_or_create(username=username)
        user.set_password(password)
        user.email = f"{username}@localhost"
        user.role = User.Role.NATIONAL
        user.is_staff = user.is_superuser = True
        user.save()
        self.stdout.write(
            self.style.SUCCESS(
                f"Organiser login: {settings.SITE_URL}/admin/  "
                f"username {username}  password {password}"
            )
        )
