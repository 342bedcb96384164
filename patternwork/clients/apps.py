from django.apps import AppConfig


class ClientsConfig(AppConfig):
    name = "patternwork.clients"
    label = "clients"
    verbose_name = "Clients and referrals"
