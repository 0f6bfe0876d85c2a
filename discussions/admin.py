from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from civic.admin import PrivateOriginalInline
from discussions import actions
from discussions.markup import plain_excerpt
from discussions.models import Comment, Flag, Follow, ModerationEntry, Notification, Thread


class ScopedToOfficialGroupMixin:
    """Staff see and act on the discussions of their own authority only: threads
    whose official group they belong to. Superusers and holders of the site-wide
    moderation permission see everything (community topics have no group)."""

    group_lookup = "official_group"

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        user = request.user
        if user.is_superuser or user.has_perm("discussions.moderate_thread"):
            return qs
        return qs.filter(**{f"{self.group_lookup}__in": user.groups.all()})


@admin.register(Thread)
class ThreadAdmin(ScopedToOfficialGroupMixin, admin.ModelAdmin):
    """Threads are read here and locked or hidden with the actions; what a report owns
    (its thread's title, visibility, official group) follows the report."""

    list_display = (
        "title",
        "kind",
        "author",
        "comment_count",
        "support_count",
        "follower_count",
        "is_locked",
        "is_hidden",
        "last_activity_at",
    )
    list_filter = ("kind", "is_hidden", "is_locked")
    list_select_related = ("author",)
    search_fields = ("title", "body")
    inlines = [PrivateOriginalInline]
    # Nothing a form could forge: counters, versions, the author, the official group
    # and the page address (derived from the owner) are not editable here.
    readonly_fields = (
        "kind",
        "title",
        "body",
        "author",
        "official_group",
        "owner_id",
        "lat",
        "lon",
        "address",
        "is_locked",
        "is_hidden",
        "comment_count",
        "support_count",
        "version",
        "created_at",
        "last_activity_at",
    )
    exclude = ("body_html",)
    date_hierarchy = "last_activity_at"
    actions = ["lock", "unlock", "hide", "unhide"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(followers=Count("follows"))

    def has_add_permission(self, request) -> bool:
        # Topics are started on the site (followed by their author); report threads
        # by the report's submission.
        return False

    @admin.display(description=_("followers"), ordering="followers")
    def follower_count(self, obj: Thread) -> int:
        return obj.followers

    def _apply(self, request, queryset, **change) -> None:
        done, refused = 0, 0
        for thread in queryset:
            try:
                actions.set_thread_state(thread, by=request.user, **change)
                done += 1
            except actions.NotAllowed:
                refused += 1
        self.message_user(
            request,
            ngettext("%d discussion changed.", "%d discussions changed.", done) % done,
            messages.SUCCESS,
        )
        if refused:
            self.message_user(
                request,
                _("A report's discussion is hidden or shown with its report (in Reports)."),
                messages.WARNING,
            )

    @admin.action(description=_("Lock: no new comments"))
    def lock(self, request, queryset):
        self._apply(request, queryset, locked=True)

    @admin.action(description=_("Unlock"))
    def unlock(self, request, queryset):
        self._apply(request, queryset, locked=False)

    @admin.action(description=_("Hide the selected topics"))
    def hide(self, request, queryset):
        self._apply(request, queryset, hidden=True, reason=_("hidden by a moderator"))

    @admin.action(description=_("Show the selected topics again"))
    def unhide(self, request, queryset):
        self._apply(request, queryset, hidden=False)


class CommentAdminForm(forms.ModelForm):
    moderation_reason = forms.CharField(
        label=_("Why (for the moderation log)"),
        required=False,
        max_length=1000,
        help_text=_("Kept with the original text in the moderation log."),
    )

    class Meta:
        model = Comment
        fields = ("body", "is_hidden", "hidden_reason")

    def clean(self):
        cleaned = super().clean()
        if self.instance.is_deleted and "body" in self.changed_data:
            self.add_error("body", _("A deleted comment cannot be edited."))
        if "body" in self.changed_data and not cleaned.get("body", "").strip():
            self.add_error("body", _("A comment needs some text; hide it instead."))
        return cleaned


class FlaggedFilter(admin.SimpleListFilter):
    title = _("flags")
    parameter_name = "flagged"

    def lookups(self, request, model_admin):
        return [("open", _("Open flags")), ("any", _("Ever flagged"))]

    def queryset(self, request, queryset):
        if self.value() == "open":
            return queryset.filter(flag_count__gt=0)
        if self.value() == "any":
            return queryset.filter(flags__isnull=False).distinct()
        return queryset


@admin.register(Comment)
class CommentAdmin(ScopedToOfficialGroupMixin, admin.ModelAdmin):
    group_lookup = "thread__official_group"
    list_display = (
        "excerpt",
        "thread",
        "author",
        "is_official",
        "is_hidden",
        "is_deleted",
        "flag_count",
        "created_at",
    )
    list_filter = (FlaggedFilter, "is_hidden", "is_deleted", "is_official", "thread__kind")
    list_select_related = ("thread", "author")
    search_fields = ("body", "author__email", "thread__title")
    inlines = [PrivateOriginalInline]
    # Where a comment is, who wrote it and whether it was official are facts, not
    # settings: read-only. Text and visibility change through discussions.actions
    # (rendered again, live version bumped, logged).
    fields = (
        "thread",
        "author",
        "is_official",
        "parent",
        "reply_to",
        "created_at",
        "edited_at",
        "body",
        "moderation_reason",
        "is_hidden",
        "hidden_reason",
        "hidden_by",
        "is_deleted",
        "flag_count",
        "path",
        "depth",
        "version",
    )
    readonly_fields = (
        "thread",
        "author",
        "is_official",
        "parent",
        "reply_to",
        "created_at",
        "edited_at",
        "hidden_by",
        "is_deleted",
        "flag_count",
        "path",
        "depth",
        "version",
    )
    date_hierarchy = "created_at"
    # Newest first, across threads (the model's order, by path, is within a thread).
    ordering = ("-id",)
    actions = ["hide_comments", "unhide_comments"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["form"] = CommentAdminForm
        return super().get_form(request, obj, change, **kwargs)

    def has_add_permission(self, request) -> bool:
        # A comment is posted on the site, by its author.
        return False

    def save_model(self, request, obj: Comment, form, change: bool) -> None:
        data, changed = form.cleaned_data, set(form.changed_data)
        reason = data.get("moderation_reason", "").strip()
        fresh = Comment.objects.get(pk=obj.pk)
        if "body" in changed:
            actions.moderate_comment_text(fresh, by=request.user, body=data["body"], reason=reason)
        if changed & {"is_hidden", "hidden_reason"}:
            actions.set_hidden(
                fresh,
                by=request.user,
                hidden=data["is_hidden"],
                reason=data.get("hidden_reason", "") or reason,
            )

    @admin.display(description=_("text"))
    def excerpt(self, obj: Comment) -> str:
        return plain_excerpt(obj.body, 80) or _("[deleted]")

    @admin.action(description=_("Hide (reason shown: “hidden by a moderator”)"))
    def hide_comments(self, request, queryset):
        count = 0
        for comment in queryset.filter(is_hidden=False, is_deleted=False):
            actions.set_hidden(comment, by=request.user, hidden=True, reason=_("moderated"))
            count += 1
        self.message_user(
            request,
            ngettext("%d comment hidden.", "%d comments hidden.", count) % count,
            messages.SUCCESS,
        )

    @admin.action(description=_("Show again (clears open flags)"))
    def unhide_comments(self, request, queryset):
        count = 0
        for comment in queryset.filter(Q(is_hidden=True) | Q(flag_count__gt=0)):
            actions.set_hidden(comment, by=request.user, hidden=False)
            count += 1
        self.message_user(
            request,
            ngettext("%d comment shown.", "%d comments shown.", count) % count,
            messages.SUCCESS,
        )


class FlagStatusFilter(admin.SimpleListFilter):
    """Open flags unless asked otherwise: the flag list is a queue."""

    title = _("status")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [("open", _("Open")), ("resolved", _("Reviewed")), ("all", _("All"))]

    def choices(self, changelist):
        current = self.value() or "open"
        for lookup, title in self.lookup_choices:
            yield {
                "selected": current == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request, queryset):
        current = self.value() or "open"
        if current == "open":
            return queryset.filter(is_resolved=False)
        if current == "resolved":
            return queryset.filter(is_resolved=True)
        return queryset


@admin.register(Flag)
class FlagAdmin(ScopedToOfficialGroupMixin, admin.ModelAdmin):
    """The flag queue: open flags first; act on the comments they point at."""

    group_lookup = "comment__thread__official_group"
    list_display = (
        "comment_excerpt",
        "reason",
        "user",
        "comment_hidden",
        "created_at",
        "is_resolved",
    )
    list_filter = (FlagStatusFilter,)
    list_select_related = ("comment", "user")
    # A flag is a resident's word: read here, acted on with the actions below.
    readonly_fields = ("comment", "user", "reason", "created_at", "is_resolved")
    search_fields = ("reason", "comment__body")
    ordering = ("is_resolved", "-created_at")
    actions = ["hide_flagged", "dismiss_flags"]

    def has_add_permission(self, request) -> bool:
        return False

    @admin.display(description=_("comment"))
    def comment_excerpt(self, obj: Flag) -> str:
        return plain_excerpt(obj.comment.body, 80) or _("[deleted]")

    @admin.display(description=_("hidden"), boolean=True)
    def comment_hidden(self, obj: Flag) -> bool:
        return obj.comment.is_hidden

    def _comments(self, queryset):
        return Comment.objects.filter(pk__in=queryset.values("comment_id"))

    @admin.action(description=_("Hide the flagged comments"))
    def hide_flagged(self, request, queryset):
        for comment in self._comments(queryset).filter(is_deleted=False):
            actions.set_hidden(comment, by=request.user, hidden=True, reason=_("moderated"))
        self.message_user(request, _("Comments hidden; their flags are resolved."))

    @admin.action(description=_("Dismiss: the comments stay visible"))
    def dismiss_flags(self, request, queryset):
        for comment in self._comments(queryset):
            actions.set_hidden(comment, by=request.user, hidden=False)
        self.message_user(request, _("Flags dismissed; the comments are visible."))


@admin.register(Follow)
class FollowAdmin(admin.ModelAdmin):
    list_display = ("thread", "user", "created_at", "last_emailed_at")
    list_select_related = ("thread", "user")
    raw_id_fields = ("thread", "user")
    search_fields = ("user__email", "thread__title")


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """Pending digest entries, for a look only: their text and links are written by the
    actions that cause them (an edited link would go out in followers' emails)."""

    list_display = ("follow", "comment", "text", "created_at", "due_at")
    list_select_related = ("follow__thread", "follow__user", "comment")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ModerationEntry)
class ModerationEntryAdmin(ScopedToOfficialGroupMixin, admin.ModelAdmin):
    """The moderation log: read-only, for good. Staff see their authority's entries."""

    group_lookup = "thread__official_group"
    list_display = ("created_at", "actor", "action", "target_type", "target_id", "reason")
    list_filter = ("action", "target_type")
    list_select_related = ("actor",)
    search_fields = ("reason", "actor__email")
    date_hierarchy = "created_at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.is_active and request.user.is_staff
