"""The admin finds every app's admin module by ordinary autodiscovery (no hand-kept list)."""

from __future__ import annotations

import pytest
from django.urls import reverse


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url_name",
    [
        "admin:auth_user_changelist",
        "admin:account_emailaddress_changelist",
        "admin:civic_outboundemail_changelist",
        "admin:discussions_comment_changelist",
        "admin:reports_report_changelist",
        "admin:delivery_delivery_changelist",
        "admin:open311_apikey_changelist",
    ],
)
def test_admin_autodiscovery_registers_every_apps_admin(admin_client, url_name):
    assert admin_client.get(reverse(url_name)).status_code == 200
