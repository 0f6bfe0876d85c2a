from django.apps import AppConfig


class CivicConfig(AppConfig):
    name = "civic"
    verbose_name = "Civic"

    def ready(self) -> None:
        from civic import signed_in

        signed_in.subscribe()
