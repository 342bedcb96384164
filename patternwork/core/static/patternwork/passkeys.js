// The passkey ceremonies (WebAuthn) for forms marked data-passkey="register" or "login".
// The form posts as any form does; this file only asks the server for a challenge
// (data-options-url), lets the browser's authenticator answer it, and puts the answer in
// the form's hidden "credential" field. Without it the form posts no answer and the
// server says that a passkey needs JavaScript.
"use strict";

(() => {
  const toBytes = (text) => {
    const base64 = text.replace(/-/g, "+").replace(/_/g, "/");
    const padded = base64 + "=".repeat((4 - (base64.length % 4)) % 4);
    return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
  };
  const toText = (buffer) => {
    const bytes = new Uint8Array(buffer);
    let binary = "";
    for (const byte of bytes) {
      binary += String.fromCharCode(byte);
    }
    return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  };
  const descriptors = (list) => (list || []).map((item) => ({ ...item, id: toBytes(item.id) }));

  const creationOptions = (options) => ({
    ...options,
    challenge: toBytes(options.challenge),
    user: { ...options.user, id: toBytes(options.user.id) },
    excludeCredentials: descriptors(options.excludeCredentials),
  });
  const requestOptions = (options) => ({
    ...options,
    challenge: toBytes(options.challenge),
    allowCredentials: descriptors(options.allowCredentials),
  });

  const answer = (credential) => {
    const response = credential.response;
    const json = {
      id: credential.id,
      rawId: toText(credential.rawId),
      type: credential.type,
      authenticatorAttachment: credential.authenticatorAttachment || undefined,
      clientExtensionResults: credential.getClientExtensionResults(),
      response: { clientDataJSON: toText(response.clientDataJSON) },
    };
    if (response.attestationObject) {
      json.response.attestationObject = toText(response.attestationObject);
      json.response.transports = response.getTransports ? response.getTransports() : [];
    } else {
      json.response.authenticatorData = toText(response.authenticatorData);
      json.response.signature = toText(response.signature);
      json.response.userHandle = response.userHandle ? toText(response.userHandle) : null;
    }
    return JSON.stringify(json);
  };

  const ceremony = async (form) => {
    const response = await fetch(form.dataset.optionsUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": form.elements.csrfmiddlewaretoken.value },
    });
    const options = await response.json();
    if (!response.ok) {
      throw new Error(options.error || "The server did not start the passkey request.");
    }
    if (form.dataset.passkey === "register") {
      return navigator.credentials.create({ publicKey: creationOptions(options) });
    }
    return navigator.credentials.get({ publicKey: requestOptions(options) });
  };

  for (const form of document.querySelectorAll("form[data-passkey]")) {
    const status = form.querySelector("[data-passkey-status]");
    const say = (text) => {
      if (status) {
        status.textContent = text;
      }
    };
    if (!window.PublicKeyCredential || !navigator.credentials) {
      say("This browser does not support passkeys.");
      continue;
    }
    say("");
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const name = form.elements.name;
      if (name && !name.value.trim()) {
        say("Give the passkey a name first.");
        name.focus();
        return;
      }
      const button = form.querySelector("button[type=submit]");
      button.disabled = true;
      say("Waiting for your passkey…");
      try {
        const credential = await ceremony(form);
        form.elements.credential.value = answer(credential);
        form.submit();
      } catch (error) {
        button.disabled = false;
        say(
          error && error.name === "NotAllowedError"
            ? "The passkey request was cancelled or timed out. Try again."
            : `The passkey request failed: ${error && error.message ? error.message : error}`,
        );
      }
    });
  }
})();
