"""Area alerts: sign up (guests confirm by email), confirm, unsubscribe in one click."""

from __future__ import annotations

from allauth.account.models import EmailAddress
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from alerts.forms import AlertForm
from alerts.matching import CONFIRM_SALT, UNSUBSCRIBE_SALT, confirm_token, read_token
from alerts.models import Alert
from civic import ratelimit
from civic.links import absolute_url
from civic.outbox import queue_email
from reports.models import Authority

CONFIRM_MAX_AGE = 7 * 24 * 3600


def _email_verified(user) -> bool:
    return EmailAddress.objects.filter(user=user, email__iexact=user.email, verified=True).exists()


@require_http_methods(["GET", "POST"])
def alert_new(request: HttpRequest) -> HttpResponse:
    """The sign-up form; a point or a service may come prefilled (?lat=&lon=, ?service=)."""
    user = request.user
    if request.method == "POST":
        form = AlertForm(request.POST, user=user)
        if form.is_valid():
            if ratelimit.hit(
                "alert", user.pk if user.is_authenticated else request.META.get("REMOTE_ADDR", "")
            ):
                form.add_error(
                    None, _("Too many alerts at once. Please wait a minute and try again.")
                )
            else:
                alert = form.build()
                if user.is_authenticated and _email_verified(user):
                    alert.confirmed_at = timezone.now()
                    alert.save()
                    messages.success(
                        request, _("Your alert is on: %(what)s.") % {"what": alert.describe()}
                    )
                    return redirect("me")
                alert.save()
                confirm_url = absolute_url(reverse("alerts:confirm", args=[confirm_token(alert)]))
                queue_email(
                    alert.email, "alert-confirm", {"alert": alert, "confirm_url": confirm_url}
                )
                return render(request, "alerts/check_email.html", {"alert": alert})
    else:
        initial = {
            k: request.GET[k] for k in ("lat", "lon", "service", "kind") if request.GET.get(k)
        }
        if "service" in initial and "kind" not in initial:
            initial["kind"] = Alert.Kind.SERVICE
        form = AlertForm(initial=initial or None, user=user)
    authorities = list(Authority.objects.filter(is_active=True).exclude(boundary=None))
    return render(
        request,
        "alerts/new.html",
        {"form": form, "boundaries": {a.pk: a.boundary for a in authorities}},
    )


@require_http_methods(["GET", "POST"])
def alert_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """GET asks (a mail scanner's visit changes nothing); POST switches the alert on."""
    pk = read_token(token, CONFIRM_SALT, max_age=CONFIRM_MAX_AGE)
    alert = (
        Alert.objects.filter(pk=pk).select_related("authority", "service").first() if pk else None
    )
    if alert is None:
        return render(
            request,
            "alerts/message.html",
            {"message": _("This confirmation link is not valid or has expired. Sign up again.")},
            status=410,
        )
    if request.method == "POST":
        if alert.confirmed_at is None:
            Alert.objects.filter(pk=alert.pk).update(confirmed_at=timezone.now())
        return render(
            request,
            "alerts/message.html",
            {"message": _("Your alert is on: %(what)s.") % {"what": alert.describe()}},
        )
    return render(request, "alerts/confirm.html", {"alert": alert})


@csrf_exempt  # one-click unsubscribe (RFC 8058) posts without a session or a token
@require_http_methods(["GET", "POST"])
def alert_unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    pk = read_token(token, UNSUBSCRIBE_SALT)
    alert = (
        Alert.objects.filter(pk=pk).select_related("authority", "service").first() if pk else None
    )
    every = request.GET.get("all") == "1"
    if alert is None:
        return render(
            request,
            "alerts/message.html",
            {"message": _("You are not subscribed to this alert (any more).")},
        )
    if request.method == "POST":
        gone = (
            Alert.objects.filter(email__iexact=alert.email)
            if every
            else Alert.objects.filter(pk=alert.pk)
        )
        gone.delete()
        return render(
            request,
            "alerts/message.html",
            {"message": _("Unsubscribed. You will get no more of these emails.")},
        )
    return render(request, "alerts/unsubscribe.html", {"alert": alert, "every": every})
