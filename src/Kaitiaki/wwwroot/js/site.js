// Turns on govuk-frontend's JavaScript enhancements. Every page works without this file: it only
// adds what the components do with JavaScript, such as moving focus to an error summary.
import { initAll } from "/vendor/govuk-frontend/govuk-frontend.min.js";

document.body.classList.add("js-enabled", "govuk-frontend-supported");
initAll();

// A Print button where a page offers one: hidden until this script can make it work. Without JavaScript, the page
// says how to use the browser's own Print command instead.
for (const button of document.querySelectorAll("[data-kt-print]")) {
    button.hidden = false;
    button.addEventListener("click", () => window.print());
}
