"""The stores app: mock stores, their simulation, storefronts and dashboard."""

from django.apps import AppConfig


class StoresConfig(AppConfig):
    name = "stores"
    verbose_name = "Store-model sandbox"
    default_auto_field = "django.db.models.BigAutoField"
