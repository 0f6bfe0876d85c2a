from django.urls import path

from discussions.views import comments, threads, topics

app_name = "discussions"

urlpatterns = [
    path("", topics.topic_list, name="topic-list"),
    path("map/", topics.topic_map, name="topic-map"),
    path("topics.geojson", topics.topics_geojson, name="topics-geojson"),
    path("new/", topics.topic_create, name="topic-create"),
    path("topics/<int:pk>/", topics.topic_detail, name="topic-detail"),
    path("threads/<int:pk>/comments/", comments.comments, name="comments"),
    path("threads/<int:pk>/comments/since/", comments.comments_since, name="comments-since"),
    path("threads/<int:pk>/follow/", threads.thread_follow, name="thread-follow"),
    path("threads/<int:pk>/support/", threads.thread_support, name="thread-support"),
    path("threads/<int:pk>/intent/", threads.thread_intent, name="thread-intent"),
    path("threads/<int:pk>/resume/", threads.thread_resume, name="thread-resume"),
    path("comments/<int:pk>/", comments.comment_detail, name="comment-detail"),
    path("comments/<int:pk>/reply/", comments.comment_reply, name="comment-reply"),
    path("comments/<int:pk>/edit/", comments.comment_edit, name="comment-edit"),
    path("comments/<int:pk>/delete/", comments.comment_delete, name="comment-delete"),
    path("comments/<int:pk>/flag/", comments.comment_flag, name="comment-flag"),
    path("comments/<int:pk>/moderate/", comments.comment_moderate, name="comment-moderate"),
    path("unsubscribe/<str:token>/", threads.unsubscribe, name="unsubscribe"),
]
