from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# Rate-limit scopes of this app: (window in seconds, most actions allowed in it).
RATE_LIMITS = {
    # Posting calls for volunteers.
    "volunteer-call": [(3600, 5), (86400, 10)],
    # "Email all volunteers" of one organiser.
    "volunteer-email": [(3600, 3), (86400, 10)],
}


class VolunteersConfig(AppConfig):
    name = "volunteers"
    verbose_name = _("Volunteers")

    def ready(self) -> None:
        from civic import ratelimit

        for scope, limits in RATE_LIMITS.items():
            ratelimit.DEFAULT_LIMITS.setdefault(scope, limits)

        from django.db.models.signals import post_delete, post_save

        from volunteers.models import Opportunity, Signup

        # Calls and their sign-up counts are on cached pages (civic/versions.py): any
        # saved change to either renews them, whichever path made it.
        for model in (Opportunity, Signup):
            for signal in (post_save, post_delete):
                signal.connect(_changed, sender=model, dispatch_uid=f"v-{model.__name__}")

        from discussions.queries import register_viewer_state
        from volunteers.templatetags.volunteers import viewer_state

        # A thread's page shows its calls, with the viewer's own sign-ups.
        register_viewer_state(viewer_state())


def _changed(sender, **kwargs) -> None:
    from civic import versions

    versions.bump(versions.VOLUNTEERS)
