"""Views, by resource: community topics, comments, and thread-level actions."""
