"""The people who join the faction."""

import secrets

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse

from members.models.structure import Branch, Group, Workplace
from members.scoping import scope_for


def _new_secret() -> str:
    return secrets.token_urlsafe(24)


class MemberQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Members in this user's scope: by branch, or by their own group if they
        named no branch from our list."""
        return scope_for(user).filter(self, branch_path="branch", group_path="group")

    def live(self):
        """Members who have not left: the rows the unique-email rule covers."""
        return self.exclude(status=Member.Status.LEFT)

    def with_email(self, email: str):
        """Live members with this address, compared as the unique index does."""
        return (
            self.live()
            .annotate(email_lower=Lower("email"))
            .filter(email_lower=email.strip().lower())
        )

    def consenting(self, kind: str):
        """Members whose consent of this kind is given and not withdrawn."""
        consent = self.model._meta.get_field("consents").related_model  # defined after Member
        return self.filter(
            models.Exists(
                consent.objects.filter(
                    member=models.OuterRef("pk"), kind=kind, withdrawn_at__isnull=True
                )
            )
        )


class Member(models.Model):
    """Someone who joined the faction. Every field is special-category data."""

    class Grade(models.TextChoices):
        AA = "AA", "Administrative Assistant (AA)"
        AO = "AO", "Administrative Officer (AO)"
        EO = "EO", "Executive Officer (EO)"
        HEO = "HEO", "Higher Executive Officer (HEO)"
        SEO = "SEO", "Senior Executive Officer (SEO)"
        G7 = "G7", "Grade 7"
        G6 = "G6", "Grade 6"
        OTHER = "other", "Other"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending (email not confirmed)"
        CONFIRMED = "confirmed", "Confirmed"
        ACTIVE = "active", "Active"
        LEFT = "left", "Left"

    name = models.CharField(max_length=200)
    email = models.EmailField(max_length=254)
    mobile = models.CharField(max_length=30, blank=True)
    branch = models.ForeignKey(
        Branch,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,  # a merged or closed branch must not delete people
        related_name="members",
    )
    branch_not_listed = models.CharField(
        max_length=200,
        blank=True,
        help_text="The branch the member named when theirs was not in our list.",
    )
    group = models.ForeignKey(
        Group,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,  # a merged group must not delete people
        related_name="members",
        help_text="The member's union group: their branch's group, or the one they chose "
        "when their branch was not in our list. Group organisers see members without a "
        "branch by this.",
    )
    workplace = models.ForeignKey(
        Workplace, null=True, blank=True, on_delete=models.SET_NULL, related_name="members"
    )
    grade = models.CharField(max_length=10, choices=Grade, blank=True)
    is_rep = models.BooleanField("union rep", default=False)
    is_union_member = models.BooleanField("already a union member", default=True)
    status = models.CharField(max_length=20, choices=Status, default=Status.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmed_ip = models.GenericIPAddressField(
        "confirmed from",
        null=True,
        blank=True,
        help_text="The address the confirmation came from: part of the proof of consent.",
    )
    workplace_not_listed = models.CharField(
        max_length=200,
        blank=True,
        help_text="The workplace the member named when it was not in our list.",
    )
    last_emailed_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When we last emailed them; a double click must not send two emails.",
    )
    secret = models.CharField(
        max_length=32,
        default=_new_secret,
        editable=False,
        help_text="Part of every personal link; changing it cancels all links already sent.",
    )

    objects = MemberQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            # One live record per address, whatever its case: a second sign-up
            # updates the first instead of creating a duplicate.
            models.UniqueConstraint(
                Lower("email"),
                condition=~models.Q(status="left"),
                name="member_email_unique_while_not_left",
            ),
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="member_status_created_idx")]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        if self.branch_id is not None and self.group_id is None:
            self.group_id = self.branch.group_id  # the group follows the branch
            if kwargs.get("update_fields") is not None and "branch" in kwargs["update_fields"]:
                kwargs["update_fields"] = {*kwargs["update_fields"], "group"}
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("admin:members_member_change", args=[self.pk])

    def clean(self):
        """The group follows the branch; the friendly message for
        member_email_unique_while_not_left."""

        if self.branch_id is not None:
            branch_group_id = (
                Branch.objects.filter(pk=self.branch_id).values_list("group_id", flat=True).first()
            )
            if self.group_id is None:
                self.group_id = branch_group_id
            elif branch_group_id is not None and self.group_id != branch_group_id:
                raise ValidationError(
                    {
                        "group": "This is not the group of the member's branch: choose the "
                        "branch's group, or leave it empty to take the branch's."
                    }
                )
        if self.email and self.status != self.Status.LEFT:
            others = Member.objects.with_email(self.email).exclude(pk=self.pk)
            if others.exists():
                raise ValidationError(
                    {"email": "Another member who has not left already has this email address."}
                )
