"use strict";
// Uploads a document with a progress bar. The page's antiforgery token travels in a header, and the
// fields are sent before the file, so the portal can authorise the upload before reading any content.
(function () {
    const form = document.querySelector("form[data-upload]");
    if (!form) {
        return;
    }
    const progress = document.getElementById("upload-progress");
    const status = document.getElementById("upload-status");

    form.addEventListener("submit", function (event) {
        event.preventDefault();
        const file = form.querySelector('input[type="file"]').files[0];
        if (!form.querySelector('[name="title"]').value.trim()) {
            status.textContent = "Give the document a title.";
            return;
        }
        if (!file) {
            status.textContent = "Choose a file to upload.";
            return;
        }
        const data = new FormData();
        if (form.dataset.patientId) {
            data.append("patientId", form.dataset.patientId);
        }
        data.append("title", form.querySelector('[name="title"]').value);
        data.append("category", form.querySelector('[name="category"]').value);
        data.append("file", file, file.name);

        const request = new XMLHttpRequest();
        request.open("POST", form.dataset.upload);
        request.setRequestHeader("RequestVerificationToken", form.querySelector('input[name="__RequestVerificationToken"]').value);
        progress.hidden = false;
        progress.value = 0;
        status.textContent = "Uploading…";
        request.upload.addEventListener("progress", function (e) {
            if (e.lengthComputable) {
                progress.value = Math.round(100 * e.loaded / e.total);
            }
        });
        request.addEventListener("load", function () {
            if (request.status === 201) {
                status.textContent = "Uploaded. Refreshing your list…";
                window.location.assign(form.dataset.done);
                return;
            }
            let detail = "The upload didn't work. Please try again.";
            try {
                detail = JSON.parse(request.responseText).detail || detail;
            } catch (ignored) {
                // Not problem details; keep the general message.
            }
            progress.hidden = true;
            status.textContent = detail;
        });
        request.addEventListener("error", function () {
            progress.hidden = true;
            status.textContent = "The connection was lost during the upload. Nothing was saved; please try again.";
        });
        request.send(data);
    });
})();
