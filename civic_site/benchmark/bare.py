"""A bare startproject site, made the way anyone would make one, to check the hello
baseline against: `django-admin startproject` in a temporary folder, its settings
left as generated but for DEBUG off and any host allowed, and one view answering
"Hello, world." at /.

The bench's own hello (hello.py) has the same settings and middleware; if the two
disagree in the same run, the baseline is low for reasons of its own (the machine
was busy, the hello was measured too soon after a heavy run) and every ratio would
be inflated. The bench prints both, and never divides by less than their median.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

NAME = "bare"

URLS = """from django.http import HttpResponse
from django.urls import path


def hello(request):
    return HttpResponse("Hello, world.")


urlpatterns = [path("", hello)]
"""


def make() -> Path:
    """A new startproject folder; gunicorn serves `bare.wsgi` from it."""
    folder = Path(tempfile.mkdtemp(prefix="civic-bare-"))
    subprocess.run(
        [sys.executable, "-m", "django", "startproject", NAME, str(folder)],
        check=True,
        capture_output=True,
    )
    settings = folder / NAME / "settings.py"
    text = settings.read_text()
    text = text.replace("DEBUG = True", "DEBUG = False").replace(
        "ALLOWED_HOSTS = []", 'ALLOWED_HOSTS = ["*"]'
    )
    settings.write_text(text)
    (folder / NAME / "urls.py").write_text(URLS)
    return folder
