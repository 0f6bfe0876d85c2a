"""The benchmark behind `manage.py bench`: big data, gunicorn, wrk, ratios to a bare hello view."""
