# Admin for services, authorities and reports: see the foundation issue.
