"""Create or reset an organiser's two-factor (TOTP) device."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from core.audit import audit


class Command(BaseCommand):
    help = (
        "Reset (--reset) an organiser's authenticator device so they enrol a new one at "
        "their next login, or create one now and print its key and QR code."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Delete the user's devices; they set up a new one at their next login.",
        )

    @transaction.atomic
    def handle(self, *args, username, reset, **options):
        import qrcode
        from django_otp.plugins.otp_static.models import StaticDevice
        from django_otp.plugins.otp_totp.models import TOTPDevice

        try:
            user = get_user_model().objects.get(username=username)
        except get_user_model().DoesNotExist as exc:
            raise CommandError(f"No user called {username!r}.") from exc

        if reset:
            removed = TOTPDevice.objects.filter(user=user).delete()[0]
            removed += StaticDevice.objects.filter(user=user).delete()[0]
            audit(actor="system", action="change", subject="two-factor device", detail="reset")
            self.stdout.write(
                self.style.SUCCESS(
                    f"Removed {removed} device(s). {username} sets up a new one at next login."
                )
            )
            return

        if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
            raise CommandError(f"{username} already has a device; use --reset to replace it.")
        TOTPDevice.objects.filter(user=user).delete()
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
        audit(actor="system", action="change", subject="two-factor device", detail="created")
        import base64

        secret = base64.b32encode(device.bin_key).decode()
        self.stdout.write(f"Key for {username}: {secret}")
        self.stdout.write(f"URL: {device.config_url}")
        qr = qrcode.QRCode(border=1)
        qr.add_data(device.config_url)
        qr.print_ascii(out=self.stdout._out, invert=True)
