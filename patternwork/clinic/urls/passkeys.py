from django.urls import path

from patternwork.clinic.views import passkeys

urlpatterns = [
    path("login/passkey/", passkeys.passkey_verify, name="passkey-verify"),
    path("login/passkey/options/", passkeys.passkey_login_options, name="passkey-login-options"),
    path("settings/passkeys/", passkeys.passkey_list, name="passkeys"),
    path("settings/passkeys/options/", passkeys.passkey_add_options, name="passkey-add-options"),
    path("settings/passkeys/add/", passkeys.passkey_add, name="passkey-add"),
    path("settings/passkeys/remove/", passkeys.passkey_remove, name="passkey-remove"),
]
