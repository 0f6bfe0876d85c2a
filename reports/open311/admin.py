# Admin for API keys: see the Open311 issue.
