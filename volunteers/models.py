# Volunteer opportunities and sign-ups arrive with their own issue.
