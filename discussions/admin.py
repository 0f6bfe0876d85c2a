# Admin for threads and comments: see the discussions issue.
