from django.urls import path

from patternwork.clinic.views import api_tokens

urlpatterns = [
    path("settings/api-tokens/", api_tokens.api_tokens, name="api-tokens"),
    path("settings/api-tokens/new/", api_tokens.api_token_create, name="api-token-create"),
    path("settings/api-tokens/revoke/", api_tokens.api_token_revoke, name="api-token-revoke"),
]
