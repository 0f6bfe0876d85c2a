from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ThreadQuerySet(models.QuerySet):
    def visible(self):
        return self.filter(is_hidden=False)

    def topics(self):
        return self.exclude(kind=Thread.Kind.REPORT)


class Thread(models.Model):
    """A conversation: the one a report owns, or a standalone community topic."""

    class Kind(models.TextChoices):
        REPORT = "report", _("Report")
        IDEA = "idea", _("Idea")
        QUESTION = "question", _("Question")
        INFO = "info", _("Local information")

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
    )
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

    objects = ThreadQuerySet.as_manager()

    class Meta:
        verbose_name = _("thread")
        verbose_name_plural = _("threads")
        indexes = [
            models.Index(fields=["kind", "-last_activity_at"]),
            models.Index(fields=["-last_activity_at"]),
        ]

    def __str__(self) -> str:
        return self.title


class Comment(models.Model):
    thread = models.ForeignKey(
        Thread, verbose_name=_("thread"), on_delete=models.CASCADE, related_name="comments"
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("in reply to"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="replies",
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
    is_official = models.BooleanField(_("official"), default=False)
    is_deleted = models.BooleanField(_("deleted"), default=False)
    is_hidden = models.BooleanField(_("hidden"), default=False)
    hidden_reason = models.CharField(_("reason hidden"), max_length=200, blank=True)
    flag_count = models.PositiveIntegerField(_("flags"), default=0)
    # Materialised path: zero-padded ids of the ancestors and itself, so
    # ordering by it returns a whole thread in display order.
    path = models.CharField(_("path"), max_length=255, db_index=True, blank=True)
    depth = models.PositiveSmallIntegerField(_("depth"), default=0)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    edited_at = models.DateTimeField(_("edited"), null=True, blank=True)

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ["path"]
        indexes = [models.Index(fields=["thread", "path"]), models.Index(fields=["thread", "id"])]

    def __str__(self) -> str:
        return self.body[:60]


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
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="follows")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="follows"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

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

    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="supports")
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
