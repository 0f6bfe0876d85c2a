"""The site in Spanish: a complete compiled catalog, pages and emails in Spanish, the
footer's switcher, localised dates, and an Open311 API that stays language-neutral."""

from __future__ import annotations

import gettext
import importlib.util
import re
import shutil
import subprocess
import sys
from datetime import timedelta
from html import unescape
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from civic.models import OutboundEmail, Profile
from civic.outbox import render_email
from discussions import actions as discussion_actions
from discussions.notifications import send_due_digests
from reports.actions import change_state
from tests.email_samples import SAMPLES
from tests.factories import (
    make_authority,
    make_comment,
    make_report,
    make_service,
    make_topic,
    make_user,
)
from tests.volunteers.support import demo_call_for

ROOT = Path(settings.BASE_DIR)
CATALOG = ROOT / "locale" / "es" / "LC_MESSAGES"
ES = {"HTTP_ACCEPT_LANGUAGE": "es"}
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}

_spec = importlib.util.spec_from_file_location("translations", ROOT / "scripts/translations.py")
translations = sys.modules.setdefault("translations", importlib.util.module_from_spec(_spec))
_spec.loader.exec_module(translations)


def compiled() -> gettext.GNUTranslations:
    with open(CATALOG / "django.mo", "rb") as mo:
        return gettext.GNUTranslations(mo)


def translated_in(catalog: gettext.GNUTranslations, entry) -> bool:
    """Does the compiled catalog hold a non-empty Spanish text for this entry?"""
    key = entry.key
    if entry.msgid_plural is None:
        return bool(catalog._catalog.get(key))
    return all(catalog._catalog.get((key, n)) for n in range(2))


@pytest.fixture(scope="module")
def fresh_messages(tmp_path_factory) -> list:
    """The messages the source marks today, as makemessages finds them, merged into a copy
    of the committed catalog: a string added and not translated comes out empty, a string
    changed comes out fuzzy."""
    assert shutil.which("xgettext") and shutil.which("msgmerge"), (
        "makemessages needs GNU gettext: apt-get install gettext (scripts/test-services.sh does)"
    )
    copy = tmp_path_factory.mktemp("source")
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "vendor")
    rooms = [path.parent.name for path in ROOT.glob("*/apps.py")]
    for name in (*rooms, "templates", "static", "locale"):
        shutil.copytree(ROOT / name, copy / name, ignore=ignore)
    for name in ("manage.py", "scripts"):
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, copy / name, ignore=ignore)
        else:
            shutil.copy(ROOT / name, copy / name)
    # The copy's own settings, so makemessages writes into the copy's locale/.
    subprocess.run(
        [sys.executable, "scripts/translations.py", "extract"],
        cwd=copy,
        check=True,
        capture_output=True,
        env={"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "civic.settings"},
    )
    entries, _obsolete = translations.parse(copy / "locale/es/LC_MESSAGES/django.po")
    return [entry for entry in entries if entry.msgid]


def test_every_message_in_the_source_has_a_compiled_spanish_translation(fresh_messages):
    catalog = compiled()
    missing = [e.msgid for e in fresh_messages if not e.translated or not translated_in(catalog, e)]
    assert len(fresh_messages) > 1000
    assert not missing, (
        f"{len(missing)} messages have no Spanish translation: run "
        f"`scripts/translations.py update todo.json`, translate, then `fill todo.json` "
        f"(see the script's docstring): {missing[:10]}"
    )


def test_the_committed_catalog_has_no_empty_or_fuzzy_entry_and_keeps_every_placeholder():
    entries, _obsolete = translations.parse(CATALOG / "django.po")
    assert translations.problems(entries) == []
    header = entries[0].msgstr[0]
    assert "Language: es" in header and "nplurals=2; plural=(n != 1)" in header


def test_the_placeholder_check_catches_a_dropped_or_renamed_placeholder():
    entry = translations.Entry(msgid="Report #%(id)s: %(title)s", msgstr={0: "Aviso: %(titulo)s"})
    assert translations.problems([entry])
    entry.msgstr = {0: "Aviso n.º %(id)s: %(title)s"}
    assert translations.problems([entry]) == []
    tags = translations.Entry(msgid='<a href="%(url)s">Sign in</a>', msgstr={0: "Inicie sesión"})
    assert translations.problems([tags])


def test_the_compiled_catalog_matches_the_po_file():
    """The .mo is committed (no gettext needed to run the site): it must be the .po's."""
    catalog = compiled()
    entries, _obsolete = translations.parse(CATALOG / "django.po")
    for entry in entries[1:]:
        if entry.msgid_plural is None:
            assert catalog._catalog[entry.key] == entry.msgstr[0], entry.msgid
        else:
            for n in range(2):
                assert catalog._catalog[(entry.key, n)] == entry.msgstr[n], entry.msgid


def test_only_shipped_languages_are_offered():
    shipped = {path.name for path in (ROOT / "locale").iterdir() if path.is_dir()}
    assert [code for code, _name in settings.LANGUAGES] == ["en", "es"]
    assert shipped == {"es"}  # English is the source language


# --- pages ------------------------------------------------------------------------------


def english_left(html: str) -> list[str]:
    """Interface texts (of a few words) that still show in English on a Spanish page."""
    entries, _obsolete = translations.parse(CATALOG / "django.po")
    text = unescape(re.sub(r"<[^>]+>", " ", html))
    text = " ".join(text.split())
    left = []
    for entry in entries[1:]:
        source = entry.msgid
        if entry.msgid_plural or "%" in source or "{" in source or "<" in source:
            continue
        if len(source) < 12 or " " not in source or entry.msgstr[0] == source:
            continue
        if re.search(rf"(?<![\w]){re.escape(source)}(?![\w])", text):
            left.append(source)
    return left


@pytest.fixture
def city(db, service, authority, resident, staff):
    report = make_report(service, reporter=resident, title="Hole by the school", address="1 Elm")
    change_state(report, "acknowledged", by=staff, note="We are on it.")
    make_comment(report.thread, author=resident, body="Still deep.")
    topic = make_topic(author=resident, title="Benches on the green")
    return {"report": report, "topic": topic, "resident": resident}


PAGES = [
    ("home", lambda city: "/"),
    ("report list", lambda city: reverse("reports:list")),
    ("report map", lambda city: reverse("reports:list") + "?view=map"),
    ("report", lambda city: city["report"].get_absolute_url()),
    ("new report", lambda city: reverse("reports:new")),
    ("community", lambda city: reverse("discussions:topic-list")),
    ("topic", lambda city: city["topic"].get_absolute_url()),
    ("volunteers", lambda city: reverse("volunteers:list")),
    ("sign in", lambda city: reverse("account_login")),
    ("sign up", lambda city: reverse("account_signup")),
    ("password reset", lambda city: reverse("account_reset_password")),
    ("stats", lambda city: reverse("accountability:stats")),
    ("open311 page", lambda city: reverse("open311:index")),
]


@pytest.mark.parametrize(("name", "path"), PAGES, ids=[name for name, _path in PAGES])
def test_a_spanish_browser_gets_the_page_in_spanish(client, city, name, path):
    response = client.get(path(city), **ES)
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="es">' in html
    assert "Saltar al contenido" in html and "Avisar de un problema" in html
    assert english_left(html) == []
    # The same page for an English browser: English, which proves the check can fail.
    english = client.get(path(city), **EN).content.decode()
    assert '<html lang="en">' in english and "Skip to content" in english
    assert english_left(english)


SIGNED_IN_PAGES = [
    ("me", lambda city: reverse("me")),
    ("account", lambda city: reverse("account-settings")),
    ("emails", lambda city: reverse("account_email")),
    ("password", lambda city: reverse("account_change_password")),
    ("delete", lambda city: reverse("account-delete")),
    ("alerts", lambda city: reverse("alerts:new")),
    ("new topic", lambda city: reverse("discussions:topic-create")),
    ("new call", lambda city: reverse("volunteers:new", args=[city["report"].thread_id])),
    ("call", lambda city: demo_call_for(city).get_absolute_url()),
    ("roster", lambda city: reverse("volunteers:roster", args=[demo_call_for(city).pk])),
]


@pytest.mark.parametrize(
    ("name", "path"), SIGNED_IN_PAGES, ids=[name for name, _path in SIGNED_IN_PAGES]
)
def test_a_signed_in_spanish_resident_gets_their_pages_in_spanish(
    resident_client, city, name, path
):
    response = resident_client.get(path(city), **ES)
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="es">' in html and "Cerrar sesión" in html
    assert english_left(html) == []


def test_dates_months_and_relative_times_are_spanish(client, city):
    with time_machine.travel(timezone.now() + timedelta(hours=3), tick=False):
        html = client.get(city["report"].get_absolute_url(), **ES).content.decode()
    month = city["report"].requested_at.month
    spanish_months = "enero febrero marzo abril mayo junio julio agosto septiembre octubre "
    spanish_months += "noviembre diciembre"
    assert f"de {spanish_months.split()[month - 1]} de" in html
    assert "hace 3" in html and "ago" not in html
    # Numbers too: the coordinates keep their decimal point (they are not prose).
    lat = f"{city['report'].lat:.5f}"
    assert lat in html and lat.replace(".", ",") not in html


def test_the_500_page_follows_the_language(settings):
    settings.DEBUG = False
    settings.ROOT_URLCONF = "tests.civic.errors_urls"
    site = Client(raise_request_exception=False)
    html = site.get("/broken/", **ES).content.decode()
    assert '<html lang="es">' in html and "Algo ha fallado por nuestra parte" in html


# --- the switcher -----------------------------------------------------------------------


def test_the_footer_switcher_is_a_labelled_form_that_comes_back_to_the_page(client, city):
    path = reverse("reports:list") + "?state=open"
    html = client.get(path).content.decode()
    form = re.search(r'<form class="language-switcher".*?</form>', html, re.S).group(0)
    assert f'action="{reverse("set_language")}"' in form and 'method="post"' in form
    assert '<label for="language-select">Language</label>' in form
    assert 'name="next" value="/reports/?state=open"' in form
    assert '<option value="es" lang="es">Español</option>' in form
    assert '<option value="en" lang="en" selected>English</option>' in form
    assert 'type="submit"' in form


def test_switching_to_spanish_keeps_the_page_and_remembers_the_choice(client, city):
    page = reverse("reports:list") + "?state=open"
    response = client.post(reverse("set_language"), {"language": "es", "next": page})
    assert response.status_code == 302 and response["Location"] == page
    html = client.get(page).content.decode()  # no Accept-Language: the cookie decides
    assert '<html lang="es">' in html and "Cambiar de idioma" in html
    assert '<option value="es" lang="es" selected>Español</option>' in html


def test_switching_keeps_the_language_on_the_profile_for_emails(resident_client, resident):
    resident_client.post(reverse("set_language"), {"language": "es", "next": "/"})
    assert Profile.objects.get(user=resident).language == "es"
    resident_client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert Profile.objects.get(user=resident).language == "en"


def test_a_language_that_is_not_shipped_is_refused(resident_client, resident):
    response = resident_client.post(reverse("set_language"), {"language": "fr", "next": "/"})
    assert response.status_code == 302
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
    assert not Profile.objects.filter(user=resident, language="fr").exists()
    html = resident_client.get("/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert '<html lang="en">' in html


def test_switching_refuses_a_next_page_on_another_site(client):
    response = client.post(
        reverse("set_language"), {"language": "es", "next": "https://evil.example/"}
    )
    assert response.status_code == 302 and response["Location"] == "/"


def test_signing_up_in_spanish_keeps_spanish_for_emails(client, db):
    response = client.post(
        reverse("account_signup"),
        {
            "email": "nueva@example.org",
            "display_name": "Nueva Vecina",
            "password1": "una-frase-larga-y-rara",
            "password2": "una-frase-larga-y-rara",
        },
        **ES,
    )
    assert response.status_code == 302
    profile = Profile.objects.get(user__email="nueva@example.org")
    assert profile.language == "es"
    # The verification email, written during her own request, is Spanish too.
    email = OutboundEmail.objects.get(to="nueva@example.org")
    assert "confirme su dirección de correo electrónico" in email.subject


# --- emails to a Spanish-speaking person, whoever causes them ------------------------------


def spanish(user) -> None:
    Profile.objects.update_or_create(user=user, defaults={"language": "es"})


def test_a_status_change_by_english_staff_reaches_a_spanish_reporter_in_spanish(
    service, authority, resident, staff
):
    spanish(resident)
    report = make_report(service, reporter=resident, title="Farola apagada")
    change_state(report, "in_progress", by=staff, note="Crew booked.")
    email = OutboundEmail.objects.get(to=resident.email)
    assert email.subject == f"El aviso n.º {report.pk} está ahora En curso: Farola apagada"
    assert "Crew booked." in email.body_text and "Ver el aviso" in email.body_text


def test_an_english_reporter_still_gets_english_from_spanish_staff(
    service, authority, resident, staff
):
    report = make_report(service, reporter=resident, title="Street light out")
    with translation.override("es"):
        change_state(report, "in_progress", by=staff, note="Crew booked.")
    email = OutboundEmail.objects.get(to=resident.email)
    assert email.subject.startswith(f"Report #{report.pk} is now In progress")


def test_a_discussion_digest_is_written_in_each_followers_language(db):
    author = make_user(email="author@example.org")
    spanish_follower = make_user(email="sofia@example.org")
    english_follower = make_user(email="emma@example.org")
    spanish(spanish_follower)
    topic = make_topic(author=author, title="Bancos en la plaza")
    for follower in (spanish_follower, english_follower):
        discussion_actions.set_following(topic, follower, True)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        make_comment(topic, author=author, body="Primera idea")
    send_due_digests(now=start + timedelta(minutes=3))
    to_sofia = OutboundEmail.objects.get(to=spanish_follower.email)
    to_emma = OutboundEmail.objects.get(to=english_follower.email)
    assert "1 actualización nueva" in to_sofia.subject
    assert "Recibe este correo porque sigue esta conversación" in to_sofia.body_text
    assert "1 new update" in to_emma.subject


def test_an_email_to_an_authority_keeps_map_links_working_in_spanish(service, authority):
    report = make_report(service, title="Bache", lat=51.5123456, lon=-0.1234567)
    with translation.override("es"):
        subject, text, html = render_email(
            "report-to-authority", {"report": report, "authorities": [authority]}
        )
    assert subject.startswith("Aviso de problema n.º")
    assert "mlat=51.512346&mlon=-0.123457" in text and "51,512346" not in text
    assert "mlat=51.512346&amp;mlon=-0.123457" in html and "51,512346" not in html


# --- the Open311 API is language-neutral ----------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/open311/v2/discovery.json",
        "/open311/v2/services.json",
        "/open311/v2/services/pothole.xml",
        "/open311/v2/requests.json",
        "/open311/v2/requests.xml?extensions=true",
        "/open311/v2/requests.json?status=maybe",
        "/open311/v2/requests.json?start_date=yesterday",
        "/open311/v2/services/nope.json",
        "/open311/v2/nothing-here.json",
    ],
)
def test_open311_answers_the_same_whatever_the_language(client, city, path):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
    spanish = client.get(path, **ES)
    del client.cookies[settings.LANGUAGE_COOKIE_NAME]
    english = client.get(path, **EN)
    assert spanish.status_code == english.status_code
    assert spanish.content == english.content
    assert spanish["Content-Type"] == english["Content-Type"]
    assert spanish["Content-Language"] == english["Content-Language"] == "en"


def test_open311_errors_from_django_forms_stay_english(client, city):
    """A POST with no service_code: Django's own "This field is required." would turn
    Spanish under Accept-Language: es; the API answers in English for every client."""
    response = client.post("/open311/v2/requests.json", {"api_key": "x"}, **ES)
    assert response.status_code in (400, 403)
    body = response.content.decode()
    assert "obligatorio" not in body and "clave" not in body
    assert response["Content-Language"] == "en"


# --- the admin ----------------------------------------------------------------------------


def test_the_admin_and_what_civic_adds_to_it_are_in_spanish(admin_client, city):
    html = admin_client.get(reverse("admin:reports_report_changelist"), **ES).content.decode()
    assert '<html lang="es"' in html
    assert f"Administración de {settings.SITE_NAME}" in html
    assert "Ocultar al público" in html  # one of Civic's own admin actions
    assert "Hide from the public" not in html
    english = admin_client.get(reverse("admin:reports_report_changelist"), **EN).content.decode()
    assert f"{settings.SITE_NAME} administration" in english


# --- every email, in Spanish --------------------------------------------------------------

EMAIL_TEMPLATES = sorted(
    path.name.removesuffix("-subject.txt")
    for path in (ROOT / "templates" / "emails").glob("*-subject.txt")
)


@pytest.fixture
def email_report(db):
    service = make_service(code="pothole", name="Pothole")
    authority = make_authority(services=[service], name="Borough Council")
    reporter = make_user(first_name="Sofía", last_name="Ruiz")
    report = make_report(service, title="Bache en la calle Mayor", reporter=reporter)
    assert report.authority == authority
    return report, reporter


@pytest.mark.parametrize("template", EMAIL_TEMPLATES)
def test_every_email_renders_in_spanish(email_report, template):
    report, user = email_report
    with translation.override("es"):
        subject, text, html = render_email(template, SAMPLES[template](report, user))
    assert english_left(subject + "\n" + text) == [], template
    if html:
        assert english_left(html) == [], template
    with translation.override("en"):
        english_subject, english_text, _html = render_email(
            template, SAMPLES[template](report, user)
        )
    # Each email really changes language (a sample with no text of its own would not).
    assert (subject, text) != (english_subject, english_text)


def test_signing_in_brings_back_the_persons_language(client, resident):
    spanish(resident)
    response = client.post(
        reverse("account_login"),
        {"login": resident.email, "password": "correct-horse-battery"},
        **EN,
    )
    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "es"
    html = client.get("/", **EN).content.decode()
    assert '<html lang="es">' in html


def test_signing_in_without_a_chosen_language_leaves_the_browsers(client, resident):
    response = client.post(
        reverse("account_login"),
        {"login": resident.email, "password": "correct-horse-battery"},
        **ES,
    )
    assert response.status_code == 302
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
    assert '<html lang="es">' in client.get("/", **ES).content.decode()
