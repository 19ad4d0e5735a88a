"""Petitions and their signatures, confirmed by email (double opt-in, as joining is).

A petition may be tied to a structure test ("sign the pay petition"): the
test's progress is then computed from the confirmed signatures naming its
branches (ballots/petitions/services.py), with a row a day for its history.
"""

import secrets

from django.db import models
from django.db.models import Count, Q
from django.db.models.functions import Lower
from django.urls import reverse

from ballots.models.structure_tests import StructureTest
from members.models import Branch
from members.scoping import scope_for


def new_secret() -> str:
    return secrets.token_urlsafe(24)


class PetitionQuerySet(models.QuerySet):
    def published(self):
        return self.filter(is_published=True)

    def visible_to(self, user):
        """Petitions of the whole faction, and those tied to a structure test in scope."""
        if not scope_for(user).members:
            return self.none()
        tests = StructureTest.objects.visible_to(user).values("pk")
        return self.filter(Q(structure_test__isnull=True) | Q(structure_test__in=tests))

    def with_count(self):
        """Annotate ``signed``: the confirmed signatures, in the same query."""
        return self.annotate(
            signed=Count("signatures", filter=Q(signatures__confirmed_at__isnull=False))
        )


class Petition(models.Model):
    """A petition people sign on the site: "Pay rise now: sign the pay petition"."""

    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True, help_text="The end of its web address.")
    text = models.TextField(help_text="What signers ask for, in Markdown.")
    target = models.PositiveIntegerField(help_text="How many signatures we aim for.")
    deadline = models.DateField(help_text="The last day to sign.")
    structure_test = models.ForeignKey(
        StructureTest,
        on_delete=models.SET_NULL,  # the petition and its signatures outlive the test
        null=True,
        blank=True,
        related_name="petitions",
        help_text=(
            "Optional: a structure test whose progress is the confirmed signatures from its "
            "branches, counted for you."
        ),
    )
    is_published = models.BooleanField("published", default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PetitionQuerySet.as_manager()

    class Meta:
        ordering = ["-deadline", "title"]
        constraints = [
            models.CheckConstraint(condition=Q(target__gt=0), name="petition_target_positive"),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("ballots:petition_detail", args=[self.slug])


class PetitionSignature(models.Model):
    """One person's signature: counted once they confirm their address."""

    petition = models.ForeignKey(Petition, on_delete=models.CASCADE, related_name="signatures")
    name = models.CharField(max_length=200)
    email = models.EmailField(max_length=254)
    branch = models.ForeignKey(
        Branch,
        on_delete=models.SET_NULL,  # the signature stands without the branch it named
        null=True,
        blank=True,
        related_name="+",
    )
    workplace = models.CharField(max_length=200, blank=True)
    consent_version = models.PositiveSmallIntegerField(
        help_text="The version of the consent wording they agreed to (ballots/consent.py)."
    )
    created_at = models.DateTimeField()
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmed_ip = models.GenericIPAddressField(null=True, blank=True)
    last_emailed_at = models.DateTimeField(null=True, blank=True)
    secret = models.CharField(max_length=64, default=new_secret, editable=False)

    class Meta:
        ordering = ["petition", "-created_at", "pk"]
        verbose_name = "petition signature"
        constraints = [
            models.UniqueConstraint(
                "petition", Lower("email"), name="petitionsignature_one_per_email"
            ),
        ]

    def __str__(self):
        # No name: the admin log keeps this label, and the name must go with the signature.
        return f"Signature {self.pk}"
