"""A bare Django "hello" site: startproject's settings and middleware, one view.

The benchmark serves it with the same gunicorn flags as Civic and divides every
endpoint's throughput by its own, measured in the same run: absolute figures
depend on the machine, the ratios travel.
"""

from __future__ import annotations

import tempfile

from django.conf import settings
from django.http import HttpResponse
from django.urls import path

settings.configure(
    DEBUG=False,
    SECRET_KEY="hello-benchmark-only-not-a-secret-0123456789",
    ALLOWED_HOSTS=["*"],
    ROOT_URLCONF=__name__,
    INSTALLED_APPS=[
        "django.contrib.admin",
        "django.contrib.auth",
        "django.contrib.contenttypes",
        "django.contrib.sessions",
        "django.contrib.messages",
        "django.contrib.staticfiles",
    ],
    MIDDLEWARE=[
        "django.middleware.security.SecurityMiddleware",
        "django.contrib.sessions.middleware.SessionMiddleware",
        "django.middleware.common.CommonMiddleware",
        "django.middleware.csrf.CsrfViewMiddleware",
        "django.contrib.auth.middleware.AuthenticationMiddleware",
        "django.contrib.messages.middleware.MessageMiddleware",
        "django.middleware.clickjacking.XFrameOptionsMiddleware",
    ],
    # Never opened by the hello view; startproject has one, so this does too.
    DATABASES={
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": f"{tempfile.gettempdir()}/civic-hello.sqlite3",
        }
    },
    USE_TZ=True,
)


def hello(request):
    return HttpResponse("Hello, world.")


urlpatterns = [path("", hello)]

from django.core.wsgi import get_wsgi_application  # noqa: E402

application = get_wsgi_application()
