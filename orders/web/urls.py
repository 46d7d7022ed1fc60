"""/dashboard/…: included from config/urls.py under "dashboard/"."""

from django.urls import path

from orders.web import views

app_name = "dashboard"

urlpatterns = [
    path("overdue/", views.overdue, name="overdue"),
    path("overdue/rows/", views.overdue_live, name="overdue-rows"),
    path("compliance/", views.compliance, name="compliance"),
]
