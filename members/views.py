"""Public pages: join, confirm, privacy, and managing your own data by signed link."""

import io
import json

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from core.csv_safe import safe_writer
from core.forms import error_summary
from core.ratelimit import client_ip, ratelimit
from members import conf, privacy, services, tokens
from members.download import member_data
from members.forms import DetailsForm, JoinForm
from members.models import ConsentKind, Member
from members.spreadsheet import section_rows


@require_http_methods(["GET", "HEAD", "POST"])
@ratelimit("join")
def join(request):
    """The join form. Every valid submission ends on the same page, known or not."""
    form = JoinForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid() and not form.work_email_unconfirmed:
        services.member_join(
            email=form.cleaned_data["email"],
            details=form.details(),
            consents=form.consents(),
            seen_versions=form.consent_versions(),
        )
        url = reverse("members:join_check_email")
        return redirect(f"{url}?work=1" if form.employer_email else url)
    # A work address in an otherwise valid form: nothing is saved or sent until the
    # person changes it or ticks "use this address anyway".
    return render(
        request,
        "members/join_form.html",
        {
            "form": form,
            "errors": error_summary(form),
            "work_email_check": form.is_bound and not form.errors and form.work_email_unconfirmed,
        },
    )


def join_check_email(request):
    return render(
        request, "members/join_check_email.html", {"work_address": request.GET.get("work") == "1"}
    )


def _link_invalid(request, status=400):
    return render(request, "members/link_invalid.html", status=status)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@ratelimit("confirm", methods=("GET", "HEAD", "POST"))
def join_confirm(request, token):
    """Show a Confirm button; only the POST confirms (mail scanners follow links)."""
    member = tokens.read_token(token, tokens.CONFIRM, max_age=conf.confirm_link_max_age())
    if member is None or member.status == Member.Status.LEFT:
        return _link_invalid(request)
    if request.method == "POST":
        services.member_confirm(member=member, ip=client_ip(request))
        return redirect("members:join_welcome")
    return render(request, "members/join_confirm.html", {"member": member})


def join_welcome(request):
    return render(request, "members/join_welcome.html")


def privacy_page(request):
    return render(
        request,
        "members/privacy.html",
        {
            "registry": privacy.registry(),
            "controller": privacy.CONTROLLER,
            "rights": privacy.RIGHTS,
        },
    )


# Managing your own data ---------------------------------------------------------


def _member_from(token):
    return tokens.read_token(token, tokens.MANAGE, max_age=conf.manage_link_max_age())


def _private(response):
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@ratelimit("manage", methods=("GET", "HEAD", "POST"))
def manage(request, token):
    """Update details and see consents, through the member's personal link."""
    member = _member_from(token)
    if member is None:
        return _link_invalid(request)
    form = DetailsForm(
        request.POST if request.method == "POST" else None, initial=DetailsForm.initial_for(member)
    )
    if request.method == "POST" and form.is_valid():
        changed = services.member_update(member=member, details=form.details())
        messages.success(
            request, "Your details have been saved." if changed else "Nothing needed changing."
        )
        return redirect("members:manage", token=token)
    live = {c.kind for c in member.consents.all() if c.withdrawn_at is None}
    consents = [
        {"kind": value, "label": label, "given": value in live}
        for value, label in ConsentKind.choices
    ]
    return _private(
        render(
            request,
            "members/manage.html",
            {
                "member": member,
                "form": form,
                "errors": error_summary(form),
                "consents": consents,
                "token": token,
            },
        )
    )


@require_POST
@ratelimit("manage")
def manage_consent(request, token):
    member = _member_from(token)
    if member is None:
        return _link_invalid(request)
    kind, action = request.POST.get("kind"), request.POST.get("action")
    if kind not in ConsentKind.values or action not in {"withdraw", "give"}:
        return _link_invalid(request)
    label = ConsentKind(kind).label.lower()
    if action == "withdraw":
        services.consent_withdraw(member=member, kind=kind)
        messages.success(request, f"You have withdrawn your consent to {label}.")
    else:
        services.consent_give(member=member, kind=kind)
        messages.success(request, f"You have given your consent to {label}.")
    return redirect("members:manage", token=token)


@never_cache
@require_http_methods(["GET", "HEAD"])
@ratelimit("manage", methods=("GET", "HEAD"))
def manage_download(request, token, fmt):
    """Everything we hold about the member, as JSON or CSV."""
    member = _member_from(token)
    if member is None:
        return _link_invalid(request)
    data = member_data(member)
    if fmt == "json":
        response = HttpResponse(
            json.dumps(data, indent=2, ensure_ascii=False), content_type="application/json"
        )
    else:
        out = io.StringIO()
        writer = safe_writer(out)
        writer.writerow(["section", "field", "value"])
        writer.writerows(section_rows(data))
        response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="my-data.{fmt}"'
    return _private(response)


@require_POST
@ratelimit("manage")
def manage_cancel_links(request, token):
    """Stop this link, and every other one we sent the member, from working."""
    member = _member_from(token)
    if member is None:
        return _link_invalid(request)
    services.member_links_cancel(member=member)
    return redirect("members:links_cancelled")


def links_cancelled(request):
    return render(request, "members/links_cancelled.html")


ERASE_UNTICKED = "Tick the box to confirm you want to erase your record"


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@ratelimit("manage", methods=("GET", "HEAD", "POST"))
def manage_erase(request, token):
    """Erase the member's record, after a second, explicit step."""
    member = _member_from(token)
    if member is None:
        return _link_invalid(request)
    if request.method == "POST":
        if request.POST.get("confirm") != "erase":
            return _private(
                render(
                    request,
                    "members/manage_erase.html",
                    {
                        "token": token,
                        "errors": error_summary(extra=[("id_confirm", ERASE_UNTICKED)]),
                    },
                )
            )
        services.member_erase(member=member)
        return redirect("members:erased")
    return _private(render(request, "members/manage_erase.html", {"token": token}))


def erased(request):
    return render(request, "members/erased.html")
