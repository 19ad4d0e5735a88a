"""The organisers' side: write, schedule, preview, correct and restore articles.

The permission policy of every admin (README, "Who sees what"): a page needs the
Django model permission, 403 without it. Editors hold every articles permission
through their role's group; articles are the faction's public writing, so there
is no scope to narrow here (the other apps' admins add one: members.scoping).
"""

import difflib

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from articles import views
from articles.models import (
    Article,
    Attachment,
    Author,
    Correction,
    PreviewLink,
    Redirect,
    Revision,
    Tag,
)
from articles.services import (
    ArticleError,
    article_save,
    author_save,
    revision_restore,
    tag_merge,
    tag_save,
)


class CorrectionInline(admin.StackedInline):
    model = Correction
    extra = 0


class AttachmentInline(admin.TabularInline):
    model = Attachment
    extra = 0
    readonly_fields = ["size"]


class PreviewLinkInline(admin.TabularInline):
    model = PreviewLink
    extra = 0
    fields = ["link", "expires_at", "revoked"]
    readonly_fields = ["link"]
    verbose_name_plural = (
        "preview links (for reviewers without an account; add one, save, then copy it)"
    )

    @admin.display(description="secret link")
    def link(self, obj):
        if not obj.pk:
            return "Created when you save."
        return format_html('<a href="{}">{}</a>', obj.get_absolute_url(), obj.get_absolute_url())


def _user_label(user) -> str:
    """Name an organiser in the revision history ("unknown": imports, scripts, deleted users)."""
    if user is None:
        return "unknown"
    return user.get_full_name() or user.get_username()


class RevisionInline(admin.TabularInline):
    model = Revision
    extra = 0
    can_delete = False
    fields = ["created_at", "changed_by", "title", "compare"]
    readonly_fields = ["created_at", "changed_by", "title", "compare"]
    show_change_link = False
    max_num = 0
    verbose_name_plural = "earlier versions"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("author")

    @admin.display(description="changed by")
    def changed_by(self, obj):
        return _user_label(obj.author)

    @admin.display(description="")
    def compare(self, obj):
        if not obj.pk:
            return ""
        url = reverse("admin:articles_article_revision", args=[obj.article_id, obj.pk])
        return format_html('<a href="{}">See changes and restore</a>', url)


class ArticleAdminForm(forms.ModelForm):
    class Meta:
        model = Article
        fields = [
            "title",
            "slug",
            "standfirst",
            "body_markdown",
            "status",
            "published_at",
            "authors",
            "tags",
            "lead_image",
            "lead_image_alt",
        ]
        widgets = {
            "body_markdown": forms.Textarea(
                attrs={"rows": 30, "class": "vLargeTextField articles-markdown"}
            ),
            "standfirst": forms.Textarea(attrs={"rows": 3}),
        }


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    form = ArticleAdminForm
    list_display = ["title", "status", "published_at", "updated_at", "public_now"]
    list_filter = ["status", "tags", "authors"]
    search_fields = ["title", "standfirst", "body_markdown"]
    date_hierarchy = "published_at"
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["authors", "tags"]
    readonly_fields = ["reading_minutes", "updated_at"]
    fieldsets = [
        (None, {"fields": ["title", "slug", "standfirst", "body_markdown"]}),
        ("Publishing", {"fields": ["status", "published_at", "authors", "tags"]}),
        ("Lead image", {"fields": ["lead_image", "lead_image_alt"]}),
        ("About", {"fields": ["reading_minutes", "updated_at"], "classes": ["collapse"]}),
    ]
    inlines = [CorrectionInline, AttachmentInline, PreviewLinkInline, RevisionInline]

    class Media:
        js = ["js/articles-admin.js"]
        css = {"all": ["css/articles.css"]}

    @admin.display(boolean=True, description="public now")
    def public_now(self, obj):
        return obj.is_public

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .defer("body_html", "body_text", "search_vector", "rank_vector")
        )

    def save_model(self, request, obj, form, change):
        # The organiser saving is recorded on the revision that keeps the text
        # replaced. The tags and authors are saved with the article, so that it
        # is indexed for search once, with its new tags; the form has just run
        # full_clean() on it.
        article_save(
            article=obj,
            user=request.user,
            tags=form.cleaned_data.get("tags"),
            authors=form.cleaned_data.get("authors"),
            validate=False,
        )

    def save_related(self, request, form, formsets, change):
        # Not form.save_m2m(): article_save has set the tags and authors.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def get_urls(self):
        urls = [
            path(
                "preview/",
                self.admin_site.admin_view(self.preview_view),
                name="articles_article_preview",
            ),
            path(
                "<int:article_id>/revisions/<int:revision_id>/",
                self.admin_site.admin_view(self.revision_view),
                name="articles_article_revision",
            ),
        ]
        return urls + super().get_urls()

    def preview_view(self, request):
        """The live preview of the Markdown being written, for those who may write."""
        if not (self.has_add_permission(request) or self.has_change_permission(request)):
            raise PermissionDenied
        return views.admin_preview(request)

    def revision_view(self, request, article_id, revision_id):
        """Show what changed since a revision, and restore it on POST."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        article = get_object_or_404(Article, pk=article_id)
        revision = get_object_or_404(
            Revision.objects.select_related("author"), pk=revision_id, article=article
        )
        if request.method == "POST":
            if not self.has_change_permission(request, article):
                raise PermissionDenied
            try:
                revision_restore(revision=revision, user=request.user)
            except ArticleError as exc:
                messages.error(request, str(exc))
            else:
                messages.success(
                    request,
                    "The earlier version is back. The text it replaced is kept as a revision.",
                )
                return HttpResponseRedirect(
                    reverse("admin:articles_article_change", args=[article.pk])
                )
        diff = []
        for label, old, new in [
            ("Title", revision.title, article.title),
            ("Standfirst", revision.standfirst, article.standfirst),
            ("Body", revision.body_markdown, article.body_markdown),
        ]:
            lines = list(
                difflib.unified_diff(
                    old.splitlines(), new.splitlines(), "this version", "current", lineterm="", n=2
                )
            )
            diff.append({"label": label, "lines": [(line[:1], line) for line in lines[2:]]})
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"Changes since {revision.created_at:%d %b %Y %H:%M}",
            "article": article,
            "revision": revision,
            "changed_by": _user_label(revision.author),
            "diff": diff,
        }
        return TemplateResponse(request, "articles/admin/revision.html", context)


@admin.register(Author)
class AuthorAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "user"]
    search_fields = ["name", "bio"]
    prepopulated_fields = {"slug": ["name"]}
    raw_id_fields = ["user"]

    def save_model(self, request, obj, form, change):
        author_save(author=obj, validate=False)  # the form has just run full_clean() on it


class TagMergeForm(forms.Form):
    target = forms.ModelChoiceField(queryset=Tag.objects.none(), label="Keep this tag")


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
    actions = ["merge_tags"]

    def save_model(self, request, obj, form, change):
        tag_save(tag=obj, validate=False)  # the form has just run full_clean() on it

    @admin.action(description="Merge the selected tags into one")
    def merge_tags(self, request, queryset):
        form = TagMergeForm(request.POST if "apply" in request.POST else None)
        form.fields["target"].queryset = queryset
        if "apply" in request.POST and form.is_valid():
            target = form.cleaned_data["target"]
            try:
                merged = tag_merge(sources=list(queryset), target=target)
            except ArticleError as exc:
                self.message_user(request, str(exc), messages.ERROR)
                return None
            self.message_user(
                request,
                f"Merged {merged} tag{'s' if merged != 1 else ''} into “{target}”. "
                "Their old pages redirect to it.",
            )
            return None
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Merge tags",
            "tags": queryset,
            "form": form,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "articles/admin/tag_merge.html", context)


@admin.register(Redirect)
class RedirectAdmin(admin.ModelAdmin):
    list_display = ["old_path", "article", "tag", "author"]
    search_fields = ["old_path"]
    raw_id_fields = ["article", "tag", "author"]
