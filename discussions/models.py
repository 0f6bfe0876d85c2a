from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civic.models import display_name, indexed_where_set

# Replies nest this many levels deep (top level included); a reply to a comment
# at the last level attaches beside it, labelled "replying to <name>".
MAX_DEPTH = 4
# Authors may edit their comment for this long after posting.
EDIT_WINDOW = timedelta(minutes=15)
# A comment flagged by this many different people is hidden pending review.
FLAGS_TO_HIDE = 3
PATH_WIDTH = 10

# Where the thread of each owned kind is shown: kind -> URL name taking the
# owner's id. The owning app registers its page (reports: the report page) in
# its AppConfig.ready(), so discussions derives the address without knowing it.
OWNER_PAGES: dict[str, str] = {}


def register_owner_page(kind: str, url_name: str) -> None:
    """Threads of `kind` live on the page `reverse(url_name, args=[thread.owner_id])`."""
    OWNER_PAGES[kind] = url_name


def public_name(user) -> str:
    """The name shown beside what a user writes: the display name they chose (their
    full name for accounts from before display names); never their email address nor
    their id. Load users with `select_related("…__profile")` to keep this query-free."""
    if user is None:
        return str(_("Former member"))
    return display_name(user) or user.get_full_name() or str(_("A resident"))


class ThreadQuerySet(models.QuerySet):
    def visible(self):
        return self.filter(is_hidden=False)

    def topics(self):
        # An IN over the topic kinds (not "kind != report") lets the database use
        # the (kind, last_activity_at) index: report threads far outnumber topics.
        return self.filter(kind__in=Thread.TOPIC_KINDS)

    def with_place(self):
        return self.filter(lat__isnull=False, lon__isnull=False)

    def in_bbox(self, west: float, south: float, east: float, north: float):
        return self.filter(lat__gte=south, lat__lte=north, lon__gte=west, lon__lte=east)


class Thread(models.Model):
    """A conversation: the one a report owns, or a standalone community topic."""

    class Kind(models.TextChoices):
        REPORT = "report", _("Report")
        IDEA = "idea", _("Idea")
        QUESTION = "question", _("Question")
        INFO = "info", _("Local information")

    TOPIC_KINDS = (Kind.IDEA, Kind.QUESTION, Kind.INFO)

    kind = models.CharField(_("kind"), max_length=16, choices=Kind, default=Kind.IDEA)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"), blank=True)
    body_html = models.TextField(_("body (rendered)"), blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="threads",
        db_index=False,  # indexed where set: Open311 and guest reports have no author
    )
    # The author chose not to be named here (a report sent anonymously): their
    # comments in this thread show as "Reporter", never their name.
    author_is_anonymous = models.BooleanField(_("author anonymous"), default=False)
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    address = models.CharField(_("address"), max_length=255, blank=True)
    # Members of this group speak "officially" here (for a report: the staff
    # of the authority responsible).
    official_group = models.ForeignKey(
        Group,
        verbose_name=_("official group"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    is_locked = models.BooleanField(_("locked"), default=False)
    is_hidden = models.BooleanField(_("hidden"), default=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    last_activity_at = models.DateTimeField(_("last activity"), default=timezone.now)
    comment_count = models.PositiveIntegerField(_("comments"), default=0)
    support_count = models.PositiveIntegerField(_("supporters"), default=0)
    # The id of the object that owns the thread (for a report's thread, the
    # report): its page address is derived from it (`OWNER_PAGES`), never typed
    # in. A community topic has none and lives at its own URL.
    owner_id = models.PositiveBigIntegerField(_("owner"), null=True, blank=True, editable=False)
    # Bumped by every change to the thread's comments (new, edited, deleted,
    # hidden): the live poll compares it with the version the page has.
    version = models.PositiveIntegerField(_("version"), default=0, editable=False)

    objects = ThreadQuerySet.as_manager()

    class Meta:
        verbose_name = _("thread")
        verbose_name_plural = _("threads")
        # Ascending, though read newest first: see Report's. Topic lists and their map
        # read the topics through (kind, …) and sort or place them; no index on a time
        # or a place alone, which every report's thread would write (and every comment
        # move), in the lock. Most supported first is the staff queue's order.
        indexes = [
            models.Index(fields=["kind", "last_activity_at"]),
            models.Index(fields=["support_count"]),
            *indexed_where_set("thread", "author"),
        ]
        permissions = [("moderate_thread", _("Can moderate every discussion"))]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        url_name = OWNER_PAGES.get(self.kind)
        if url_name and self.owner_id is not None:
            return reverse(url_name, args=[self.owner_id])
        return reverse("discussions:topic-detail", args=[self.pk])

    @property
    def url(self) -> str:
        """The page showing the thread (read-only; derived from its owner)."""
        return self.get_absolute_url()

    @property
    def is_topic(self) -> bool:
        return self.kind != self.Kind.REPORT

    @property
    def is_open(self) -> bool:
        """Whether new comments are accepted."""
        return not (self.is_locked or self.is_hidden)

    @property
    def has_place(self) -> bool:
        return self.lat is not None and self.lon is not None

    def author_name_for(self, user) -> str:
        """How `user` is named in this thread."""
        if self.author_is_anonymous and user is not None and user.pk == self.author_id:
            return str(_("Reporter"))
        return public_name(user)

    def support_label(self) -> str:
        return _("Me too") if self.kind == self.Kind.REPORT else _("Upvote")

    def is_official_member(self, user) -> bool:
        """Whether `user` speaks officially here (one query)."""
        if not user.is_authenticated or self.official_group_id is None:
            return False
        return user.groups.filter(pk=self.official_group_id).exists()

    def can_moderate(self, user, *, is_official_member: bool | None = None) -> bool:
        """Superusers, staff of the thread's official group, and staff granted
        the site-wide moderation permission may hide and unhide comments."""
        if not user.is_authenticated or not user.is_active:
            return False
        if user.is_superuser:
            return True
        if not user.is_staff:
            return False
        if is_official_member is None:
            is_official_member = self.is_official_member(user)
        return is_official_member or user.has_perm("discussions.moderate_thread")


class Comment(models.Model):
    # No index of its own: each of the Meta's three begins with it (one fewer to write).
    thread = models.ForeignKey(
        Thread,
        verbose_name=_("thread"),
        on_delete=models.CASCADE,
        related_name="comments",
        db_index=False,
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("in reply to"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="replies",
        db_index=False,  # indexed where set, as reply_to and hidden_by: most have none
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="comments",
    )
    body = models.TextField(_("text"))
    body_html = models.TextField(_("text (rendered)"), blank=True)
    # The comment answered. Usually the parent; past the depth limit the reply
    # attaches to the parent's parent and this keeps who it answers.
    reply_to = models.ForeignKey(
        "self",
        verbose_name=_("replying to"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    is_official = models.BooleanField(_("official"), default=False)
    is_deleted = models.BooleanField(_("deleted"), default=False)
    is_hidden = models.BooleanField(_("hidden"), default=False)
    hidden_reason = models.CharField(_("reason hidden"), max_length=200, blank=True)
    # Null while hidden means hidden automatically by flags, pending review.
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("hidden by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    # Open (unreviewed) flags; reset when a moderator reviews the comment.
    flag_count = models.PositiveIntegerField(_("flags"), default=0)
    # Materialised path: zero-padded ids of the ancestors and itself, so
    # ordering by it returns a whole thread in display order (read through the
    # (thread, path) index: a path means nothing across threads).
    path = models.CharField(_("path"), max_length=255, blank=True)
    depth = models.PositiveSmallIntegerField(_("depth"), default=0)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    edited_at = models.DateTimeField(_("edited"), null=True, blank=True)
    # The thread's version when this comment last changed: the live poll sends
    # the comments whose version is newer than the page's.
    version = models.PositiveIntegerField(_("version"), default=0, editable=False)

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ["path"]
        indexes = [
            models.Index(fields=["thread", "path"]),
            models.Index(fields=["thread", "id"]),
            models.Index(fields=["thread", "version"]),
            *indexed_where_set("comment", "parent", "reply_to", "hidden_by"),
        ]

    def __str__(self) -> str:
        return self.body[:60]

    def get_absolute_url(self) -> str:
        return reverse("discussions:comment-detail", args=[self.pk])

    @staticmethod
    def path_segment(pk: int) -> str:
        return str(pk).zfill(PATH_WIDTH)

    @property
    def is_pending_review(self) -> bool:
        return self.is_hidden and self.hidden_by_id is None

    @property
    def is_replyable(self) -> bool:
        return not (self.is_deleted or self.is_hidden)

    def placement_for_reply(self) -> Comment:
        """The comment a reply to this one nests under (itself, or its parent at the last level)."""
        if self.depth >= MAX_DEPTH - 1 and self.parent_id is not None:
            return self.parent
        return self

    def is_author(self, user) -> bool:
        return user.is_authenticated and self.author_id == user.pk

    def can_edit(self, user, now=None) -> bool:
        fresh = (now or timezone.now()) - self.created_at <= EDIT_WINDOW
        return self.is_author(user) and self.is_replyable and fresh

    def can_delete(self, user) -> bool:
        return self.is_author(user) and not self.is_deleted

    def can_flag(self, user) -> bool:
        return user.is_authenticated and not self.is_author(user) and self.is_replyable


class Flag(models.Model):
    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="flags")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(_("reason"), max_length=200)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    is_resolved = models.BooleanField(_("resolved"), default=False)

    class Meta:
        verbose_name = _("flag")
        verbose_name_plural = _("flags")
        constraints = [
            models.UniqueConstraint(fields=["comment", "user"], name="one_flag_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} flagged {self.comment_id}: {self.reason}"


class Follow(models.Model):
    thread = models.ForeignKey(  # indexed by the unique (thread, user) it begins
        Thread, on_delete=models.CASCADE, related_name="follows", db_index=False
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="follows"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    last_emailed_at = models.DateTimeField(_("last emailed"), null=True, blank=True)

    class Meta:
        verbose_name = _("follow")
        verbose_name_plural = _("follows")
        constraints = [
            models.UniqueConstraint(fields=["thread", "user"], name="one_follow_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} follows {self.thread_id}"


class Support(models.Model):
    """A "me too" on a report, an upvote on an idea: one per user and thread."""

    thread = models.ForeignKey(  # indexed by the unique (thread, user) it begins
        Thread, on_delete=models.CASCADE, related_name="supports", db_index=False
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="supports"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("support")
        verbose_name_plural = _("supports")
        constraints = [
            models.UniqueConstraint(fields=["thread", "user"], name="one_support_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} supports {self.thread_id}"


class Notification(models.Model):
    """Something a follower has not been told about yet.

    Written in the same transaction as the comment or event that causes it, one
    row per follower; `send_due_digests` turns all of a follower's pending rows
    for a thread into one email and deletes them in the transaction that queues
    it, so nothing is lost and nothing is sent twice.
    """

    follow = models.ForeignKey(Follow, on_delete=models.CASCADE, related_name="pending")
    comment = models.ForeignKey(Comment, null=True, blank=True, on_delete=models.CASCADE)
    text = models.CharField(_("text"), max_length=500, blank=True)
    url = models.CharField(_("link"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    due_at = models.DateTimeField(_("due"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("pending notification")
        verbose_name_plural = _("pending notifications")

    def __str__(self) -> str:
        return f"{self.follow_id}: {self.comment_id or self.text[:40]}"


class ModerationEntryQuerySet(models.QuerySet):
    def for_thread(self, thread_id: int):
        return (
            self.filter(thread_id=thread_id).select_related("actor").order_by("-created_at", "-id")
        )


class ModerationEntry(models.Model):
    """One staff action, kept for good: who did what, when, why, and what it was before.

    It lives in discussions because everything moderated is a thread or belongs to
    one (a report owns its thread; a comment sits in one): this is the lowest app
    that both writers (reports' and discussions' actions) can import, and the
    thread link lets a report page list its history with one indexed query. A
    user's suspension has no thread and names the user instead.
    """

    class Action(models.TextChoices):
        STATE = "state", _("Status or note")
        HIDE = "hide", _("Hidden")
        UNHIDE = "unhide", _("Shown again")
        REASSIGN = "reassign", _("Reassigned")
        DUPLICATE = "duplicate", _("Marked as duplicate")
        EDIT = "edit", _("Text edited")
        ASSIGN = "assign", _("Assigned to a colleague")
        COMMENT_HIDE = "comment_hide", _("Comment hidden")
        COMMENT_UNHIDE = "comment_unhide", _("Comment shown again")
        COMMENT_EDIT = "comment_edit", _("Comment edited by staff")
        THREAD_LOCK = "thread_lock", _("Discussion locked")
        THREAD_UNLOCK = "thread_unlock", _("Discussion unlocked")
        THREAD_HIDE = "thread_hide", _("Discussion hidden")
        THREAD_UNHIDE = "thread_unhide", _("Discussion shown again")
        SUSPEND = "suspend", _("User suspended")
        REINSTATE = "reinstate", _("User reinstated")

    class Target(models.TextChoices):
        REPORT = "report", _("Report")
        THREAD = "thread", _("Discussion")
        COMMENT = "comment", _("Comment")
        USER = "user", _("User")

    # Null: done by the system (an upstream Open311 status, a script).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("when"), default=timezone.now)
    action = models.CharField(_("what"), max_length=20, choices=Action)
    target_type = models.CharField(_("on"), max_length=16, choices=Target)
    target_id = models.PositiveBigIntegerField(_("id"))
    thread = models.ForeignKey(
        Thread,
        verbose_name=_("discussion"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="moderation_entries",
    )
    reason = models.TextField(_("why"), blank=True)
    # The values before the change, and after it: {field: value}.
    original = models.JSONField(_("original values"), default=dict, blank=True)
    changes = models.JSONField(_("new values"), default=dict, blank=True)

    objects = ModerationEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("moderation log entry")
        verbose_name_plural = _("moderation log")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["thread", "-created_at"]),
            models.Index(fields=["target_type", "target_id"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} ({self.target_type} {self.target_id})"

    @property
    def original_items(self) -> list[tuple[str, object]]:
        """The original values as (field, value) pairs: a template must not loop over
        `original.items`, which a field called "items" would shadow."""
        return list((self.original or {}).items()) if isinstance(self.original, dict) else []

    @classmethod
    def record(
        cls,
        action: str,
        *,
        actor,
        target_type: str,
        target_id: int,
        thread_id: int | None = None,
        reason: str = "",
        original: dict | None = None,
        changes: dict | None = None,
        now=None,
    ) -> ModerationEntry:
        """Write one entry; call inside the transaction of the change it records."""
        return cls.objects.create(
            action=action,
            actor=actor if getattr(actor, "pk", None) else None,
            target_type=target_type,
            target_id=target_id,
            thread_id=thread_id,
            reason=str(reason),
            original=original or {},
            changes=changes or {},
            created_at=now or timezone.now(),
        )
