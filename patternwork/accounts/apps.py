from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "patternwork.accounts"
    label = "accounts"
    verbose_name = "Accounts"
