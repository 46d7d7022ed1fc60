from django.urls import path

from notifications.api import views

app_name = "notifications_api"

urlpatterns = [
    path("notifications/", views.NotificationListView.as_view(), name="notification-list"),
    path("notifications/unread-count/", views.UnreadCountView.as_view(), name="notification-unread-count"),
    path("notifications/read-all/", views.NotificationReadAllView.as_view(), name="notification-read-all"),
    path("notifications/<int:pk>/read/", views.NotificationReadView.as_view(), name="notification-read"),
    path("orders/<int:pk>/escalation/", views.OrderEscalationView.as_view(), name="order-escalation"),
    path("orders/<int:pk>/acknowledge/", views.OrderAcknowledgeView.as_view(), name="order-acknowledge"),
]
