"""Branch contacts report readiness and turnout through their signed link (no password).

``members.contacts.contact_link_required`` turns the link's token into the
live ``BranchContactLink``; ``link.branch`` is the only branch its holder may
report for.
"""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from ballots.forms import ContactProgressForm, ContactReadinessForm, ContactTurnoutForm
from ballots.models import Ballot, BranchReadiness, StructureTest, TurnoutReturn
from ballots.services import (
    ImportRejected,
    readiness_record,
    structure_progress_record,
    turnout_record,
    turnout_validate,
)
from core.forms import error_summary
from members.contacts import contact_link_required, link_token


def _live_ballots(branch, today):
    """Ballots running now (or closed in the last two days) that count this branch."""
    return list(
        Ballot.objects.filter(
            ballot_units__unit__unit_branches__branch=branch,
            opens_on__lte=today,
            closes_on__gte=today - timezone.timedelta(days=2),
        ).distinct()
    )


@contact_link_required
def contact_report(request, *, link):
    """A branch contact enters readiness figures and, during a ballot, turnout."""
    token = link_token(request)
    branch = link.branch
    today = timezone.localdate()
    ballots = _live_ballots(branch, today)
    action = request.POST.get("action") if request.method == "POST" else None
    readiness_form = ContactReadinessForm(
        request.POST if action == "readiness" else None,
        initial={"taken_on": today},
        prefix="r",
    )
    turnout_forms = []
    chosen = request.POST.get("ballot", "") if action == "turnout" else ""
    for ballot in ballots:
        posted = chosen == str(ballot.pk)
        form = ContactTurnoutForm(
            request.POST if posted else None,
            initial={"counted_on": min(today, ballot.closes_on)},
            prefix=f"t{ballot.pk}",
        )
        turnout_forms.append((ballot, form))
    # The branch's own tests still open; a petition's is counted from its signatures.
    tests = (
        StructureTest.objects.filter(branch=branch, deadline__gte=today, petitions__isnull=True)
        .with_progress()
        .order_by("deadline", "title")
    )
    chosen_test = request.POST.get("test", "") if action == "structure" else ""
    test_forms = [
        (
            t,
            ContactProgressForm(
                request.POST if chosen_test == str(t.pk) else None, prefix=f"s{t.pk}"
            ),
        )
        for t in tests
    ]
    back = f"{reverse('ballots:contact_report')}?{urlencode({'token': token})}"
    for test, form in test_forms:
        if chosen_test == str(test.pk) and form.is_valid():
            structure_progress_record(
                test=test,
                done=form.cleaned_data["done"],
                out_of=form.cleaned_data["out_of"],
                on=today,
                actor_label=f"contact link {link.pk}",
            )
            messages.success(request, f"Thank you: your progress on {test.title} is saved.")
            return redirect(back)
    if action == "readiness" and readiness_form.is_valid():
        snapshot = readiness_form.save(commit=False)
        snapshot.branch = branch
        readiness_record(
            user=None,
            snapshots=[snapshot],
            source=BranchReadiness.Source.LINK,
            actor_label=f"contact link {link.pk}",
        )
        messages.success(request, "Thank you: your branch's figures are saved.")
        return redirect(back)
    for ballot, form in turnout_forms:
        if chosen == str(ballot.pk) and form.is_valid():
            try:
                returns = turnout_validate(
                    ballot=ballot,
                    rows=[(branch.code, branch.code, form.data_for_row())],
                    branches={branch.code.upper(): branch},
                )
            except ImportRejected as exc:
                for error in exc.errors:
                    field = error.field if error.field in form.fields else None
                    form.add_error(field, error.message)
            else:
                turnout_record(
                    user=None,
                    ballot=ballot,
                    returns=returns,
                    source=BranchReadiness.Source.LINK,
                    actor_label=f"contact link {link.pk}",
                )
                messages.success(request, f"Thank you: the count for {ballot.name} is saved.")
                return redirect(back)
    last = branch.readiness.order_by("-taken_on", "-id").first()
    last_counts = {
        r.ballot_id: r
        for r in TurnoutReturn.objects.filter(branch=branch, ballot__in=ballots)
        .order_by("ballot_id", "-counted_on")
        .distinct("ballot_id")
    }
    return render(
        request,
        "ballots/contact_report.html",
        {
            "link": link,
            "branch": branch,
            "token": token,
            "readiness_form": readiness_form,
            "turnout_forms": [(b, f, last_counts.get(b.pk)) for b, f in turnout_forms],
            "test_forms": [(t, f, t.standing(today)) for t, f in test_forms],
            "last": last,
            "errors": error_summary(
                *[f for _, f in turnout_forms], *[f for _, f in test_forms], readiness_form
            ),
        },
    )
