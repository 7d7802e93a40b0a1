"""The Exports page (export, export jobs, import); its pattern joins the "frontend" namespace."""

from django.urls import path

from frontend import views_exchange

urlpatterns = [
    path("projects/<int:project_id>/exports/", views_exchange.exports, name="exports"),
]
