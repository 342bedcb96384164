def test_a_new_test_client_takes_the_kept_middleware_chain(client, db):
    client.get("/healthz")
    other = type(client)()
    other.get("/healthz")

    assert other.handler._middleware_chain is client.handler._middleware_chain


def test_the_kept_middleware_chain_is_rebuilt_after_a_setting_changes(client, settings, db):
    assert client.get("/healthz")["Referrer-Policy"] == "same-origin"

    settings.SECURE_REFERRER_POLICY = "no-referrer"

    assert type(client)().get("/healthz")["Referrer-Policy"] == "no-referrer"


def test_a_client_after_a_setting_changed_back_builds_the_chain_anew(client, db):
    assert client.get("/healthz")["Referrer-Policy"] == "same-origin"
