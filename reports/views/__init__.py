"""The public pages of reports, one module per kind of page."""
