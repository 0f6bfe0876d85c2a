"""Staff blur part of a report's photo (a face, a number plate, a house number): the
photo is replaced by the blurred one and the original files are deleted from storage
once the change commits, so nothing can bring the original back."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from discussions.actions import NotAllowed
from discussions.models import ModerationEntry
from reports.actions.common import _changed, _lock, _log, _put_files
from reports.models import Photo
from reports.photos import blur_region


@transaction.atomic
def blur_photo(photo: Photo, *, by, box: tuple[float, float, float, float], reason: str = ""):
    """Blur `box` (left, top, right, bottom, fractions of the photo) of `photo`."""
    left, top, right, bottom = box
    if not (0 <= left < right <= 1 and 0 <= top < bottom <= 1):
        raise NotAllowed(_("The region to blur must lie within the photo."))
    locked = _lock(photo.report)
    photo = Photo.objects.select_for_update().get(pk=photo.pk, report=locked)
    with photo.image.open("rb") as original:
        blurred = blur_region(original.read(), box)
    storage = photo.image.storage
    old = [photo.image.name, photo.thumbnail.name]
    _put_files(photo, blurred)
    photo.save(update_fields=["image", "thumbnail", "width", "height"])
    _log(
        locked,
        ModerationEntry.Action.EDIT,
        by=by,
        reason=reason,
        # The original is gone for good: the log says which photo and where, not what.
        original={"photo": photo.pk},
        changes={"photo": photo.pk, "blurred": [round(v, 4) for v in box]},
    )
    _changed(locked)

    def delete_originals() -> None:
        for name in old:
            if name:
                storage.delete(name)

    transaction.on_commit(delete_originals)
    return photo
