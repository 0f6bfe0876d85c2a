from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from discussions import actions
from discussions.markup import plain_excerpt
from discussions.models import Comment, Flag, Follow, Notification, Thread


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
    raw_id_fields = ("author",)
    readonly_fields = ("body_html", "comment_count", "support_count", "version", "created_at")
    date_hierarchy = "last_activity_at"
    actions = ["lock", "unlock", "hide", "unhide"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(followers=Count("follows"))

    @admin.display(description=_("followers"), ordering="followers")
    def follower_count(self, obj: Thread) -> int:
        return obj.followers

    @admin.action(description=_("Lock: no new comments"))
    def lock(self, request, queryset):
        queryset.update(is_locked=True)

    @admin.action(description=_("Unlock"))
    def unlock(self, request, queryset):
        queryset.update(is_locked=False)

    @admin.action(description=_("Hide the selected threads"))
    def hide(self, request, queryset):
        queryset.update(is_hidden=True)

    @admin.action(description=_("Show the selected threads again"))
    def unhide(self, request, queryset):
        queryset.update(is_hidden=False)


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
    raw_id_fields = ("thread", "parent", "reply_to", "author", "hidden_by")
    readonly_fields = ("body_html", "path", "depth", "version", "flag_count", "created_at")
    date_hierarchy = "created_at"
    actions = ["hide_comments", "unhide_comments"]

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
    raw_id_fields = ("comment", "user")
    search_fields = ("reason", "comment__body")
    ordering = ("is_resolved", "-created_at")
    actions = ["hide_flagged", "dismiss_flags"]

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
    list_display = ("follow", "comment", "text", "created_at", "due_at")
    list_select_related = ("follow__thread", "follow__user", "comment")
    raw_id_fields = ("follow", "comment")
