"""The organisers' admin: Django's admin with two-factor (TOTP) login.

Every staff user must log in with a password *and* a six-digit code from an
authenticator app (``OTP_REQUIRED_FOR_STAFF``). A staff user with no device yet
is signed in by password only and sent to the enrolment page, which shows a QR
code and confirms the device with a first code; until then no admin page opens.
``manage.py otp_device USERNAME --reset`` removes a lost device.

Enrolment also makes ten single-use recovery codes (a django-otp static
device), shown once: an organiser who loses their phone logs in with one of
them instead of the app's code. Only a keyed hash of each code is stored (see
``recovery_code_hash``); each works once, and making and using them is audited.

``core.admin_apps.OrganiserAdminConfig`` (in INSTALLED_APPS) makes this
site ``django.contrib.admin.site``, so every app's ``@admin.register`` uses it.
"""

import base64
import io
import secrets

from django import forms
from django.conf import settings
from django.contrib.admin import AdminSite
from django.contrib.admin.forms import AdminAuthenticationForm
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.crypto import salted_hmac
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect

from core.audit import audit


def otp_required() -> bool:
    return settings.OTP_REQUIRED_FOR_STAFF


def verified_staff(user) -> bool:
    """A signed-in organiser who has passed two-factor login (where it is required).

    Anything the admin alone should show (drafts, previews) asks this, not
    ``is_staff``: a stolen password alone must open nothing.
    """
    if not (user.is_authenticated and user.is_active and user.is_staff):
        return False
    return not otp_required() or user.is_verified()


def confirmed_device(user):
    """Return the user's confirmed TOTP device, or None."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


RECOVERY_CODES = 10
RECOVERY_ALPHABET = "abcdefghijklmnopqrstuvwxyz234567"  # base32: no 0/1/8/9 to misread


def recovery_code_hash(code: str) -> str:
    """Return what is stored for a recovery code: a keyed hash, never the code.

    django-otp's StaticToken keeps its token as plain text (16 characters at
    most); we store the first 16 hex digits of an HMAC keyed by SECRET_KEY, so
    someone who reads the database (or a backup) holds no usable code. Spaces,
    dashes and case are ignored.
    """
    normal = "".join(ch for ch in code.lower() if ch.isalnum())
    return salted_hmac("core.admin_site.recovery_code", normal).hexdigest()[:16]


def recovery_codes_create(user) -> list[str]:
    """Replace the user's recovery codes with new ones; return them, to show once."""
    from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name="recovery codes", confirmed=True)
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(10))
        codes.append(f"{raw[:5]}-{raw[5:]}")
    StaticToken.objects.bulk_create(
        StaticToken(device=device, token=recovery_code_hash(code)) for code in codes
    )
    audit(
        actor=user,
        action="add",
        subject="two-factor recovery codes",
        detail=f"{RECOVERY_CODES} made at enrolment",
    )
    return codes


def recovery_device(user):
    """Return the user's recovery-code device, or None."""
    from django_otp.plugins.otp_static.models import StaticDevice

    return StaticDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


class TokenField(forms.CharField):
    def __init__(self, *, recovery: bool = False, **kwargs):
        attrs = {"autocomplete": "one-time-code", "spellcheck": "false"}
        if recovery:  # the app's six digits or a recovery code (letters, digits, dash)
            # The dash escaped: browsers compile pattern with the v flag, where a bare
            # "-" in a class is a syntax error (and the check is silently dropped).
            attrs["pattern"] = r"[0-9A-Za-z \-]*"
        else:
            attrs.update({"inputmode": "numeric", "pattern": "[0-9 ]*"})
        super().__init__(
            required=False,
            max_length=20 if recovery else 10,
            strip=True,
            widget=forms.TextInput(attrs=attrs),
            **kwargs,
        )


def check_token(device, token: str) -> None:
    """Raise ValidationError unless `token` is the device's current code."""
    allowed, _extra = device.verify_is_allowed()
    if not allowed:
        raise forms.ValidationError(
            "Too many wrong codes. Wait a minute and try again.", code="throttled"
        )
    token = (token or "").replace(" ", "")
    if not token.isdigit() or not device.verify_token(token):
        raise forms.ValidationError(
            "That code is not right. Enter the six-digit code your app shows now.",
            code="invalid_token",
        )


class OrganiserLoginForm(AdminAuthenticationForm):
    """Username, password, and the code from the organiser's authenticator app."""

    otp_token = TokenField(
        recovery=True,
        label="Six-digit code",
        help_text="From your authenticator app, or one of your recovery codes if you have "
        "lost your phone. Leave empty only if you have not set one up yet.",
    )

    def clean(self):
        cleaned = super().clean()  # the password check; django-axes counts failures here
        user = self.get_user()
        if user is None or not otp_required():
            return cleaned
        device = confirmed_device(user)
        if device is None:
            # First login: the session stays unverified and the admin sends the
            # user to the enrolment page before anything else opens.
            return cleaned
        token = cleaned.get("otp_token")
        if not token:
            raise forms.ValidationError(
                "Enter the six-digit code from your authenticator app.", code="token_required"
            )
        normal = "".join(ch for ch in token if ch.isalnum())
        if not (len(normal) == 6 and normal.isdigit()):
            device = self._recovery(user, normal)
        else:
            check_token(device, token)
        user.otp_device = device  # django_otp marks the session verified on login
        return cleaned

    @staticmethod
    def _recovery(user, code: str):
        """Return the recovery device if `code` is one of its unused codes (then used up)."""
        device = recovery_device(user)
        if device is None or not device.verify_is_allowed()[0]:
            raise forms.ValidationError(
                "That code is not right. Enter the six-digit code your app shows now.",
                code="invalid_token",
            )
        if not device.verify_token(recovery_code_hash(code)):  # deletes the code it matches
            raise forms.ValidationError(
                "That code is not right, or that recovery code has been used.",
                code="invalid_token",
            )
        left = device.token_set.count()
        audit(
            actor=user,
            action="change",
            subject="two-factor recovery codes",
            detail=f"used at login; {left} left",
        )
        return device


class EnrolForm(forms.Form):
    otp_token = TokenField(label="Six-digit code")

    def __init__(self, *args, device, **kwargs):
        self.device = device
        super().__init__(*args, **kwargs)

    def clean_otp_token(self):
        token = self.cleaned_data.get("otp_token")
        if not token:
            raise forms.ValidationError(
                "Enter the six-digit code your app shows.", code="token_required"
            )
        check_token(self.device, token)
        return token


def qr_data_uri(text: str) -> str:
    """Return an SVG QR code for `text` as a data: URI (the CSP allows data: images)."""
    import qrcode
    import qrcode.image.svg

    out = io.BytesIO()
    qrcode.make(text, image_factory=qrcode.image.svg.SvgPathFillImage, box_size=8).save(out)
    return "data:image/svg+xml;base64," + base64.b64encode(out.getvalue()).decode()


APP_LISTS_KEPT = 256  # distinct (role, permissions) app lists kept per process


def _not_found(request, opts, object_id):
    raise Http404


class OrganiserAdminSite(AdminSite):
    site_header = "Rank and File organisers"
    site_title = "Rank and File admin"
    index_title = "Organising"
    login_form = OrganiserLoginForm
    login_template = "admin/otp_login.html"
    index_template = "admin/organiser_home.html"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._app_lists = {}  # get_app_list's answers in this process

    def has_permission(self, request):
        if not super().has_permission(request):
            return False
        return not otp_required() or request.user.is_verified()

    def admin_view(self, view, cacheable=False):
        inner = super().admin_view(view, cacheable)

        def wrapped(request, *args, **kwargs):
            user = request.user
            if request.path == reverse("admin:logout", current_app=self.name):
                # Signing out needs no second factor (nor does the enrolment page's link).
                return csrf_protect(never_cache(view))(request, *args, **kwargs)
            if (
                otp_required()
                and user.is_active
                and user.is_staff
                and not user.is_verified()
                and confirmed_device(user) is None
            ):
                return HttpResponseRedirect(reverse("admin:otp_enrol", current_app=self.name))
            return inner(request, *args, **kwargs)

        wrapped.__dict__.update(inner.__dict__)
        return wrapped

    def register(self, model_or_iterable, admin_class=None, **options):
        super().register(model_or_iterable, admin_class, **options)
        self._app_lists.clear()
        # Site-wide rule: an object the organiser may not see, or that does not
        # exist, is a plain 404 on every change, history and delete page (Django
        # would redirect with "doesn't exist", which differs per app otherwise).
        for model_admin in self._registry.values():
            model_admin._get_obj_does_not_exist_redirect = _not_found

    def get_app_list(self, request, app_label=None):
        """Django's app list, kept per role and set of permissions.

        Every admin page asks for it (the sidebar): each model admin answers
        four permission questions and about 80 URLs are reversed, a third of a
        kept nominations board's time. Its answer depends only on what the key holds.
        """
        user = request.user
        key = (
            app_label,
            user.is_active,
            user.is_staff,
            user.is_superuser,
            getattr(user, "role", None),
            getattr(user, "group_id", None),
            getattr(user, "region_id", None),
            # A superuser holds every permission: reading them all would be a query.
            frozenset() if user.is_superuser else frozenset(user.get_all_permissions()),
        )
        found = self._app_lists.get(key)
        if found is None:
            found = super().get_app_list(request, app_label)
            if len(self._app_lists) >= APP_LISTS_KEPT:
                self._app_lists.pop(next(iter(self._app_lists)))
            self._app_lists[key] = found
        # The lists and app dicts are the caller's to change (Django sorts them);
        # the model dicts are shared, read-only.
        return [{**app, "models": list(app["models"])} for app in found]

    def unregister(self, model_or_iterable):
        super().unregister(model_or_iterable)
        self._app_lists.clear()

    def index(self, request, extra_context=None):
        """The organiser home: what needs doing, soonest first, then the app list."""
        from django.utils import timezone

        from core.todo import organiser_todo

        extra_context = {
            **(extra_context or {}),
            "todo": organiser_todo(request.user, timezone.localdate()),
        }
        return super().index(request, extra_context)

    def get_urls(self):
        return [
            path("two-factor/", self.otp_enrol, name="otp_enrol"),
            *super().get_urls(),
        ]

    @method_decorator(csrf_protect)
    @method_decorator(never_cache)
    def otp_enrol(self, request):
        """Set up the authenticator app of a signed-in organiser who has none yet."""
        from django_otp import login as otp_login
        from django_otp.plugins.otp_totp.models import TOTPDevice

        user = request.user
        if not (user.is_active and user.is_staff):
            return HttpResponseRedirect(reverse("admin:login", current_app=self.name))
        if confirmed_device(user) is not None:
            # Replacing a device needs `manage.py otp_device --reset`: a stolen
            # password alone must not be able to swap in the thief's phone.
            raise Http404
        device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)
        form = EnrolForm(request.POST or None, device=device)
        if request.method == "POST" and form.is_valid():
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            TOTPDevice.objects.filter(user=user, confirmed=False).delete()
            otp_login(request, device)
            audit(actor=user, action="change", subject="two-factor device", detail="enrolled")
            # Shown on this one response only: the page is never cached and the
            # enrolment page is a 404 from now on.
            request.current_app = self.name
            return TemplateResponse(
                request,
                "security/otp_recovery_codes.html",
                {
                    **self.each_context(request),
                    "title": "Your recovery codes",
                    "codes": recovery_codes_create(user),
                    "has_permission": False,
                },
            )
        secret = base64.b32encode(device.bin_key).decode()
        context = {
            **self.each_context(request),
            "title": "Set up two-factor login",
            "form": form,
            "qr_src": qr_data_uri(device.config_url),
            "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
            "has_permission": False,
        }
        request.current_app = self.name
        return TemplateResponse(request, "security/otp_enrol.html", context)
