from django.apps import AppConfig


class ClientsConfig(AppConfig):
    name = "patternwork.clients"
    label = "clients"
    verbose_name = "Clients and referrals"

    def ready(self) -> None:
        from patternwork.accounts import practices
        from patternwork.clients.logins import practice_of_client_login

        practices.register(practice_of_client_login)
