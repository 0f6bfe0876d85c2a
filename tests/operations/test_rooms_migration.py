"""A site running the schema from before the rooms split (every model in the reports
app) migrates forward with its data untouched: the moved models keep their tables,
rows and ids, and their content types keep their ids, so the staff groups' permissions
hold (docs/architecture.md, "Moved models keep their tables")."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.own_database

# The leaves of every project app before the split.
BEFORE = [
    ("civic", "0007_merge_data_version_and_profile_language"),
    ("discussions", "0005_moderation_assign"),
    ("reports", "0014_merge_staff_triage_and_open311_sync"),
    ("volunteers", "0001_opportunities_and_signups"),
]
MOVED = {
    "places": ["place"],
    "triage": ["cannedresponse"],
    "open311": ["apikey"],
    "delivery": ["delivery", "reopennotice", "webhook", "webhookdelivery"],
    "alerts": ["alert", "alertnotice", "alertcursor"],
}

# Rows written with the historical models of the earlier schema.
SEED = """
import json
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

state = MigrationExecutor(connection).loader.project_state({before})
apps = state.apps
now = timezone.now()
Group = apps.get_model("auth", "Group")
Permission = apps.get_model("auth", "Permission")
ContentType = apps.get_model("contenttypes", "ContentType")
User = apps.get_model("auth", "User")
get = lambda name: apps.get_model("reports", name)

# What Django makes after migrate: content types and permissions of the reports models.
for model in ["cannedresponse", "delivery", "webhook", "apikey", "place", "alert"]:
    ct, _ = ContentType.objects.get_or_create(app_label="reports", model=model)
    for verb in ["view", "change"]:
        Permission.objects.get_or_create(
            content_type=ct, codename=f"{{verb}}_{{model}}", defaults={{"name": f"{{verb}} {{model}}"}}
        )
group = Group.objects.create(name="Staff: Borough")
group.permissions.set(Permission.objects.filter(content_type__app_label="reports"))
user = User.objects.create(username="rosa", email="rosa@example.org")
service = get("Service").objects.create(code="pothole", name="Pothole")
authority = get("Authority").objects.create(
    name="Borough", slug="borough", staff_group=group, send_method="open311",
    endpoint="https://city.example.org/open311/v2",
)
key = get("ApiKey").objects.create(
    name="City app", prefix="abcd1234", key_hash="f" * 64, authority=authority
)
report = get("Report").objects.create(
    service=service, title="Deep pothole", lat=51.5, lon=-0.12, requested_at=now,
    updated_at=now, authority=authority, api_key=key, token="a" * 32,
)
update = get("ReportUpdate").objects.create(report=report, state="submitted", created_at=now)
get("Delivery").objects.create(
    report=report, authority=authority, method="open311", state="sent",
    external_id="city-42", next_attempt_at=now,
)
get("ReopenNotice").objects.create(
    report=report, authority=authority, method="open311", note="Still broken.",
    next_attempt_at=now,
)
hook = get("Webhook").objects.create(
    authority=authority, url="https://hooks.example.org/in", secret="s" * 64,
    events=["report.created"],
)
get("WebhookDelivery").objects.create(
    webhook=hook, report=report, event="report.created", payload={{"id": report.pk}},
    next_attempt_at=now,
)
get("CannedResponse").objects.create(authority=authority, title="Booked", text="An inspector is booked.")
alert = get("Alert").objects.create(
    user=user, email="rosa@example.org", kind="radius", lat=51.5, lon=-0.12, radius=500,
    confirmed_at=now, created_at=now,
)
get("AlertNotice").objects.create(alert=alert, report=report, update=update, due_at=now)
get("AlertCursor").objects.create(name="reports", last_report_id=report.pk)
get("Place").objects.create(name="High Street", search_name="high street", lat=51.5, lon=-0.12)
print(json.dumps({{
    "content_types": dict(ContentType.objects.filter(app_label="reports").values_list("model", "id")),
}}))
"""

# What the current models read after the migration.
READ = """
import json
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from alerts.models import Alert, AlertNotice
from delivery.models import Delivery, ReopenNotice, Webhook, WebhookDelivery
from open311.models import ApiKey
from places.models import Place
from reports.models import Report
from triage.models import CannedResponse

report = Report.objects.select_related("api_key").get()
print(json.dumps({
    "api_key": report.api_key.name,
    "delivery": list(Delivery.objects.values_list("report_id", "external_id", "state")),
    "reopen": list(ReopenNotice.objects.values_list("report_id", "note")),
    "webhook": list(Webhook.objects.values_list("url", "secret", "events")),
    "webhook_delivery": list(WebhookDelivery.objects.values_list("webhook_id", "payload")),
    "canned": list(CannedResponse.objects.values_list("authority__slug", "text")),
    "alert": list(Alert.objects.values_list("email", "radius")),
    "alert_notice": list(AlertNotice.objects.values_list("alert__email", "report_id")),
    "place": list(Place.objects.values_list("name", "search_name")),
    "content_types": {
        f"{ct.app_label}.{ct.model}": ct.id
        for ct in ContentType.objects.exclude(app_label__in=["auth", "admin", "sessions"])
    },
    "permissions": sorted(
        f"{p.content_type.app_label}.{p.codename}"
        for p in Group.objects.get(name="Staff: Borough").permissions.all()
    ),
}))
"""


def manage(env: dict, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def _rows(database: Path) -> dict[str, list]:
    with sqlite3.connect(database) as conn:
        return {
            table: conn.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall()
            for table in [f"reports_{model}" for models in MOVED.values() for model in models]
        }


def test_a_site_on_the_earlier_schema_migrates_forward_with_its_data(tmp_path):
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DJANGO_SETTINGS_MODULE": "civic.settings",
        "DATA_DIR": str(tmp_path),
        "TESTING": "",
    }
    for app in ("contenttypes", "auth", "sessions", "admin", "account"):
        manage(env, "migrate", app, "-v0")
    for app, name in BEFORE:
        manage(env, "migrate", app, name, "-v0")
    database = tmp_path / "civic.sqlite3"
    with sqlite3.connect(database) as conn:
        applied = {app for (app,) in conn.execute("SELECT app FROM django_migrations")}
    assert not applied & set(MOVED)  # the rooms do not exist yet

    seeded = json.loads(manage(env, "shell", "-c", SEED.format(before=BEFORE)).splitlines()[-1])
    before = _rows(database)
    assert all(before.values())  # a row in every moved table

    manage(env, "migrate", "-v0")

    assert _rows(database) == before  # the same tables, rows and ids
    after = json.loads(manage(env, "shell", "-c", READ).splitlines()[-1])
    assert after["api_key"] == "City app"
    assert [row[1:] for row in after["delivery"]] == [["city-42", "sent"]]
    assert [row[1] for row in after["reopen"]] == ["Still broken."]
    assert after["webhook"] == [["https://hooks.example.org/in", "s" * 64, ["report.created"]]]
    assert after["canned"] == [["borough", "An inspector is booked."]]
    assert after["alert"] == [["rosa@example.org", 500]]
    assert [row[0] for row in after["alert_notice"]] == ["rosa@example.org"]
    assert after["place"] == [["High Street", "high street"]]
    # Each content type moved to its room under the id it had: what pointed at it holds.
    moved = {model: app for app, models in MOVED.items() for model in models}
    for model, ct_id in seeded["content_types"].items():
        label = f"{moved.get(model, 'reports')}.{model}"
        assert after["content_types"][label] == ct_id
    assert {"triage.view_cannedresponse", "delivery.change_delivery", "open311.view_apikey"} <= set(
        after["permissions"]
    )
    assert not any(
        name.startswith("reports.") and "canned" in name for name in after["permissions"]
    )
    manage(env, "makemigrations", "--check", "--dry-run")
