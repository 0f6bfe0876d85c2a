"""The report and what it is made of, one module per group of models."""

from reports.models.authorities import STAFF_PERMISSIONS, Authority, Contact
from reports.models.guest import PendingPhoto, PendingReport, pending_photo_path
from reports.models.reopening import Questionnaire, StillBroken
from reports.models.report import (
    LARGE_BBOX_SHARE,
    Photo,
    Report,
    ReportQuerySet,
    ReportUpdate,
    new_token,
    photo_path,
    thumbnail_path,
)
from reports.models.services import Service, ServiceAttribute

__all__ = [
    "LARGE_BBOX_SHARE",
    "STAFF_PERMISSIONS",
    "Authority",
    "Contact",
    "PendingPhoto",
    "PendingReport",
    "Photo",
    "Questionnaire",
    "Report",
    "ReportQuerySet",
    "ReportUpdate",
    "Service",
    "ServiceAttribute",
    "StillBroken",
    "new_token",
    "pending_photo_path",
    "photo_path",
    "thumbnail_path",
]
