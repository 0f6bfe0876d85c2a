"""The reports app's forms, by concern: fields, report, staff, reading, admin."""
