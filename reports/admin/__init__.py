"""Admin for services, authorities, reports and people.

Staff of an authority (members of its staff group, which carries the model
permissions they need) see and change only their own authority's reports;
superusers see everything. Deliveries, webhooks, canned responses, API keys and
places have their admin in their own rooms.
"""

from reports.admin import config, report, users  # noqa: F401  (each registers its models)
from reports.admin.report import ReportAdmin
from reports.admin.scoped import AuthorityScopedAdmin, ReadOnlyInline

__all__ = ["AuthorityScopedAdmin", "ReadOnlyInline", "ReportAdmin"]
