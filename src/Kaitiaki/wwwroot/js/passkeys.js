"use strict";
// Passkey ceremonies for forms marked data-passkey="create" or "get". The server's options come
// from a page handler (antiforgery token in a header); the browser's answer goes back in the form.
(function () {
    function antiforgery(form) {
        const field = form.querySelector('input[name="__RequestVerificationToken"]');
        return field ? field.value : "";
    }

    async function fetchOptions(form) {
        const response = await fetch("?handler=" + encodeURIComponent(form.dataset.optionsHandler), {
            method: "POST",
            credentials: "same-origin",
            headers: { "RequestVerificationToken": antiforgery(form) },
        });
        if (!response.ok) {
            throw new Error("The portal could not start the passkey step.");
        }
        return await response.json();
    }

    document.querySelectorAll("form[data-passkey]").forEach(function (form) {
        form.addEventListener("submit", async function (event) {
            event.preventDefault();
            const status = form.querySelector("[data-passkey-status]");
            if (status) {
                status.textContent = "Follow the prompts from your device…";
            }
            try {
                if (!window.PublicKeyCredential || !PublicKeyCredential.parseCreationOptionsFromJSON) {
                    throw new Error("This browser doesn't support passkeys.");
                }
                const options = await fetchOptions(form);
                const credential = form.dataset.passkey === "create"
                    ? await navigator.credentials.create({ publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(options) })
                    : await navigator.credentials.get({ publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(options) });
                form.querySelector('input[name="credential"]').value = JSON.stringify(credential.toJSON());
                form.submit();
            } catch (error) {
                if (status) {
                    status.textContent = "The passkey step didn't finish. You can try again, or use your password and code instead.";
                }
            }
        });
    });
})();
