"""`manage.py migrate` on a site that still runs the schema from before the rooms split
(every model in the reports app): the moved models keep their tables, rows and ids, the
content types keep their ids under the new app labels, and so the staff groups keep their
permissions and the admin log its history (docs/architecture.md, "Moved models keep their
tables")."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.own_database

# The leaves of the project's apps before the split.
BEFORE = [
    ("civic", "0007_merge_data_version_and_profile_language"),
    ("discussions", "0005_moderation_assign"),
    ("reports", "0014_merge_staff_triage_and_open311_sync"),
    ("volunteers", "0001_opportunities_and_signups"),
]
DJANGO_APPS = ["contenttypes", "auth", "admin", "sessions", "account"]
# Where each model went; its table is still reports_<model>.
MOVED = {
    "place": "places",
    "cannedresponse": "triage",
    "apikey": "open311",
    "delivery": "delivery",
    "reopennotice": "delivery",
    "webhook": "delivery",
    "webhookdelivery": "delivery",
    "alert": "alerts",
    "alertnotice": "alerts",
    "alertcursor": "alerts",
}
TABLES = [f"reports_{model}" for model in MOVED] + ["reports_report"]
# The split itself: what `migrate reports 0015_...` applies on top of BEFORE.
SPLIT = {(app, "0001_initial") for app in set(MOVED.values())} | {
    ("reports", "0015_models_move_to_their_rooms")
}

# Run with BEFORE, DJANGO_APPS and MOVED defined above it. Migrates a fresh database to the
# old schema, then writes rows the way the old code did: with the historical models of
# that schema, so the columns are exactly the ones the old tables have. The ids are set
# and far apart: a table emptied and refilled would number its rows 1, 2, ...
OLD_SITE = """
import uuid

from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from reports.models import STAFF_PERMISSIONS

for app in DJANGO_APPS:
    call_command("migrate", app, verbosity=0)
for app, name in BEFORE:
    call_command("migrate", app, name, verbosity=0)

loader = MigrationExecutor(connection).loader
nodes = BEFORE + [node for node in loader.graph.leaf_nodes() if node[0] in DJANGO_APPS]
model = loader.project_state(nodes).apps.get_model
report_model = lambda name: model("reports", name)
now = timezone.now()

Permission = model("auth", "Permission")
staff_group = model("auth", "Group").objects.create(id=7, name="Staff: Borough Council")
# What Authority.save gives a new authority's staff group.
staff_group.permissions.set(Permission.objects.filter(codename__in=STAFF_PERMISSIONS))
support = model("auth", "Group").objects.create(id=8, name="Support")
support.permissions.set(
    Permission.objects.filter(
        content_type__app_label="reports", codename__in=[f"view_{name}" for name in MOVED]
    )
)
User = model("auth", "User")
officer = User.objects.create(id=13, username="olga", email="olga@borough.example.org", is_staff=True)
officer.groups.set([staff_group, support])
rosa = User.objects.create(id=14, username="rosa", email="rosa@example.org")

service = report_model("Service").objects.create(id=3, code="pothole", name="Pothole")
authority = report_model("Authority").objects.create(
    id=5, name="Borough Council", slug="borough", staff_group=staff_group,
    send_method="open311", endpoint="https://city.example.org/open311/v2",
)
key = report_model("ApiKey").objects.create(
    id=11, name="City app", contact_email="apps@city.example.org", prefix="abcd1234",
    key_hash="f" * 64, authority=authority, can_post=True,
)
report = report_model("Report").objects.create(
    id=21, service=service, title="Deep pothole", lat=51.51, lon=-0.14, authority=authority,
    api_key=key, reporter=rosa, token="a" * 32, requested_at=now, updated_at=now,
)
update = report_model("ReportUpdate").objects.create(
    id=31, report=report, state="acknowledged", note="Seen by the inspector.",
    is_official=True, author=officer, created_at=now,
)
report_model("Delivery").objects.create(
    id=41, report=report, authority=authority, method="open311", state="sent",
    external_id="city-4711", attempts=2, sent_at=now,
)
report_model("ReopenNotice").objects.create(
    id=51, report=report, authority=authority, method="open311",
    note="Still broken after the repair.",
)
hook = report_model("Webhook").objects.create(
    id=61, authority=authority, url="https://hooks.example.org/in", secret="5e" * 32,
    events=["report.created", "report.updated"],
)
report_model("WebhookDelivery").objects.create(
    id=71, webhook=hook, report=report, event="report.created",
    delivery_id=uuid.UUID("12345678-1234-5678-1234-567812345678"),
    payload={"id": 21, "title": "Deep pothole"}, state="sent", response_status=204,
)
canned = report_model("CannedResponse").objects.create(
    id=81, authority=authority, state="acknowledged", title="Inspector booked",
    text="An inspector is booked for this week.", order=2,
)
alert = report_model("Alert").objects.create(
    id=91, user=rosa, email="rosa@example.org", kind="radius", lat=51.51, lon=-0.14,
    radius=500, authority=authority, service=service, confirmed_at=now,
)
report_model("AlertNotice").objects.create(id=101, alert=alert, report=report, update=update, due_at=now)
report_model("AlertCursor").objects.create(name="reports", last_report_id=21, last_update_id=31)
report_model("Place").objects.create(
    id=111, name="High Street", search_name="high street", kind="street", lat=51.5,
    lon=-0.12, ref="osm:way/42",
)
# The admin's history points at a content type by id.
model("admin", "LogEntry").objects.create(
    user=officer, action_time=now, action_flag=2, change_message="[]",
    content_type=model("contenttypes", "ContentType").objects.get(
        app_label="reports", model="cannedresponse"
    ),
    object_id=str(canned.pk), object_repr="Inspector booked",
)
"""

# What today's models read from the migrated database, and whether they match their
# migrations (makemigrations --check exits non-zero if not).
READ = """
import json

from django.apps import apps
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Group, User
from django.core.management import call_command

from alerts.models import Alert, AlertCursor, AlertNotice
from delivery.models import Delivery, ReopenNotice, Webhook, WebhookDelivery
from open311.models import ApiKey
from places.models import Place
from reports.models import STAFF_PERMISSIONS, Report
from triage.models import CannedResponse

call_command("makemigrations", check=True, dry_run=True, verbosity=1)

report = Report.objects.select_related("api_key__authority").get()
delivery = Delivery.objects.select_related("report", "authority").get()
reopen = ReopenNotice.objects.select_related("report").get()
hook = Webhook.objects.select_related("authority").get()
sent = WebhookDelivery.objects.select_related("webhook").get()
canned = CannedResponse.objects.select_related("authority").get()
alert = Alert.objects.select_related("user", "authority", "service").get()
notice = AlertNotice.objects.select_related("alert", "report", "update").get()
cursor = AlertCursor.objects.get()
place = Place.objects.get()
entry = LogEntry.objects.select_related("content_type").get()
officer = User.objects.get(username="olga")
label = {m._meta.model_name: m._meta.app_label for m in apps.get_models()}
print(json.dumps({
    "report": [report.pk, report.title, report.api_key_id, report.api_key.name,
               report.api_key.authority.slug],
    "api_key": list(ApiKey.objects.values_list("pk", "prefix", "key_hash", "can_post")),
    "delivery": [delivery.pk, delivery.report.title, delivery.authority.slug, delivery.method,
                 delivery.state, delivery.external_id, delivery.attempts],
    "reopen": [reopen.pk, reopen.report.title, reopen.note, reopen.state],
    "webhook": [hook.pk, hook.authority.slug, hook.url, hook.secret, hook.events],
    "webhook_delivery": [sent.pk, sent.webhook.url, sent.report_id, sent.event,
                         str(sent.delivery_id), sent.payload, sent.state, sent.response_status],
    "canned": [canned.pk, canned.authority.slug, canned.state, canned.title, canned.text,
               canned.order],
    "alert": [alert.pk, alert.user.username, alert.email, alert.kind, alert.radius,
              alert.authority.slug, alert.service.code],
    "alert_notice": [notice.pk, notice.alert.email, notice.report.title, notice.update.note],
    "alert_cursor": [cursor.name, cursor.last_report_id, cursor.last_update_id],
    "place": [place.pk, place.name, place.search_name, place.kind, place.ref],
    # The reverse relations the code walks, across the new apps.
    "related": [report.deliveries.count(), report.reopen_notices.count(),
                hook.deliveries.count(), canned.authority.canned_responses.count()],
    "log": [entry.content_type.app_label, type(entry.get_edited_object()).__name__,
            entry.get_edited_object().text],
    "staff_can": {
        f"{label[c.split('_', 1)[1]]}.{c}": officer.has_perm(f"{label[c.split('_', 1)[1]]}.{c}")
        for c in STAFF_PERMISSIONS
    },
    "support_can": {
        f"{label[m]}.view_{m}": officer.has_perm(f"{label[m]}.view_{m}") for m in MOVED
    },
    "staff_group": sorted(
        f"{p.content_type.app_label}.{p.codename}"
        for p in Group.objects.get(name="Staff: Borough Council").permissions.all()
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


def snapshot(database: Path) -> dict:
    """The database as the tables hold it, read with sqlite3, not through Django."""
    with closing(sqlite3.connect(database)) as conn:
        conn.row_factory = sqlite3.Row
        return {
            "applied": {
                tuple(row) for row in conn.execute("SELECT app, name FROM django_migrations")
            },
            "rows": {
                table: [dict(row) for row in conn.execute(f"SELECT * FROM {table} ORDER BY 1")]
                for table in TABLES
            },
            # rootpage: a table rebuilt (new table, copy, rename) keeps its rows and ids
            # but not its root page.
            "schema": sorted(
                tuple(row)
                for row in conn.execute("SELECT type, name, rootpage, sql FROM sqlite_master")
            ),
            "content_types": {
                id: (app, model)
                for id, app, model in conn.execute(
                    "SELECT id, app_label, model FROM django_content_type"
                )
            },
            "permissions": {
                tuple(row)
                for row in conn.execute("SELECT id, content_type_id, codename FROM auth_permission")
            },
            "group_permissions": {
                tuple(row)
                for row in conn.execute(
                    "SELECT group_id, permission_id FROM auth_group_permissions"
                )
            },
        }


def test_migrate_moves_the_models_to_their_apps_with_their_rows_ids_and_permissions(tmp_path):
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DJANGO_SETTINGS_MODULE": "civic.settings",
        "DATA_DIR": str(tmp_path),  # a fresh SQLite database of its own, no DATABASE_URL
        "TESTING": "",
    }
    database = tmp_path / "civic.sqlite3"
    constants = f"BEFORE = {BEFORE!r}\nDJANGO_APPS = {DJANGO_APPS!r}\nMOVED = {MOVED!r}\n"
    manage(env, "shell", "-c", constants + OLD_SITE)

    old = snapshot(database)
    # The old schema: the project's apps at their leaves from before, the new apps absent.
    assert {app: name for app, name in sorted(old["applied"]) if app in dict(BEFORE)} == dict(
        BEFORE
    )
    assert not old["applied"] & SPLIT
    assert not {app for app, _ in old["applied"]} & set(MOVED.values())
    # One row in every table (or nothing below would be compared), under the ids given.
    assert {table: len(rows) for table, rows in old["rows"].items()} == dict.fromkeys(TABLES, 1)
    assert old["rows"]["reports_report"][0]["api_key_id"] == 11
    reports_types = {
        model: id for id, (app, model) in old["content_types"].items() if app == "reports"
    }
    assert set(MOVED) <= set(reports_types)
    # The staff group holds its canned response, delivery and webhook permissions by id.
    held = {name for id, _, name in old["permissions"] if (7, id) in old["group_permissions"]}
    assert {"change_cannedresponse", "change_delivery", "change_webhook"} <= held

    # The split on its own first, checked strictly: nothing but Django's state may change.
    manage(env, "migrate", "reports", "0015_models_move_to_their_rooms", "-v0")
    split = snapshot(database)
    assert split["applied"] == old["applied"] | SPLIT
    assert split["rows"] == old["rows"]  # every row, id and value as it was
    assert split["schema"] == old["schema"]  # no table or index made, dropped or rebuilt
    # The content types changed app, each under the id it had, so whatever points at
    # them (group permissions, admin log) follows; no new one was made beside it.
    assert split["content_types"] == {
        id: (MOVED[model] if app == "reports" and model in MOVED else app, model)
        for id, (app, model) in old["content_types"].items()
    }
    assert split["permissions"] == old["permissions"]
    assert split["group_permissions"] == old["group_permissions"]

    # Then all the way, as an operator runs it: what later migrations add may grow the
    # tables, but what was there stays.
    manage(env, "migrate", "-v0")
    now = snapshot(database)
    assert {table: len(rows) for table, rows in now["rows"].items()} == dict.fromkeys(TABLES, 1)
    for table, rows in old["rows"].items():
        assert [{column: row[column] for column in rows[0]} for row in now["rows"][table]] == rows
    assert {id: now["content_types"][id] for id in old["content_types"]} == split["content_types"]
    assert now["permissions"] >= old["permissions"]
    assert now["group_permissions"] >= old["group_permissions"]

    after = json.loads(manage(env, "shell", "-c", constants + READ).splitlines()[-1])
    assert after["report"] == [21, "Deep pothole", 11, "City app", "borough"]
    assert after["api_key"] == [[11, "abcd1234", "f" * 64, True]]
    assert after["delivery"] == [41, "Deep pothole", "borough", "open311", "sent", "city-4711", 2]
    assert after["reopen"] == [51, "Deep pothole", "Still broken after the repair.", "pending"]
    assert after["webhook"] == [
        61,
        "borough",
        "https://hooks.example.org/in",
        "5e" * 32,
        ["report.created", "report.updated"],
    ]
    assert after["webhook_delivery"] == [
        71,
        "https://hooks.example.org/in",
        21,
        "report.created",
        "12345678-1234-5678-1234-567812345678",
        {"id": 21, "title": "Deep pothole"},
        "sent",
        204,
    ]
    assert after["canned"] == [
        81,
        "borough",
        "acknowledged",
        "Inspector booked",
        "An inspector is booked for this week.",
        2,
    ]
    assert after["alert"] == [91, "rosa", "rosa@example.org", "radius", 500, "borough", "pothole"]
    assert after["alert_notice"] == [
        101,
        "rosa@example.org",
        "Deep pothole",
        "Seen by the inspector.",
    ]
    assert after["alert_cursor"] == ["reports", 21, 31]
    assert after["place"] == [111, "High Street", "high street", "street", "osm:way/42"]
    assert after["related"] == [1, 1, 1, 1]
    assert after["log"] == ["triage", "CannedResponse", "An inspector is booked for this week."]
    # The staff may still do what their group was given, asked under the new labels
    # (which is how the admin asks: "triage.change_cannedresponse").
    assert after["staff_can"] and all(after["staff_can"].values()), after["staff_can"]
    assert {
        "triage.change_cannedresponse",
        "delivery.change_delivery",
        "delivery.view_webhook",
    } <= set(after["staff_can"])
    assert after["support_can"] and all(after["support_can"].values()), after["support_can"]
    # None of them is left under the old label, which nothing asks for any more.
    left = [
        p for p in after["staff_group"] if p.startswith("reports.") and p.split("_", 1)[1] in MOVED
    ]
    assert not left, left
