"""Form classes whose instances share their class's fields.

Django deep-copies a form's fields for each instance, so that an instance may change
its own widgets and choices. A form that changes none of them (or only named ones)
pays for copies it never uses: some 600 Python calls of a web report POST. Its
instances can take the class's fields as they are, in a dict of their own: a field
added to or removed from one instance's `fields` stays that instance's, but a shared
field object must never be changed through `fields`; the fields named in `copied` are
each instance's own copy, to change as it likes.
"""

from __future__ import annotations

import copy

from django import forms


class SharedFields(dict):
    """A form class's `base_fields`, handed to each instance without copying the
    fields but those in `copied`."""

    def __init__(self, fields: dict, copied: tuple[str, ...] = ()) -> None:
        super().__init__(fields)
        self.copied = copied

    def __deepcopy__(self, memo) -> dict:
        fields = dict(self)
        for name in self.copied:
            if name in fields:
                fields[name] = copy.deepcopy(fields[name], memo)
        return fields


def shares_fields(*, copied: tuple[str, ...] = ()):
    """A class decorator: the form's instances share its fields but `copied`. Its
    subclasses copy every field again, as Django does, unless decorated too."""

    def decorate(form_class: type[forms.BaseForm]) -> type[forms.BaseForm]:
        unknown = set(copied) - set(form_class.base_fields)
        if unknown:
            raise ValueError(f"{form_class.__name__} has no field {', '.join(sorted(unknown))}.")
        form_class.base_fields = SharedFields(form_class.base_fields, copied)
        return form_class

    return decorate
