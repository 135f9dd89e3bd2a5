// Turns on govuk-frontend's JavaScript enhancements. Every page works without this file: it only
// adds what the components do with JavaScript, such as moving focus to an error summary.
import { initAll } from "/vendor/govuk-frontend/govuk-frontend.min.js";

document.body.classList.add("js-enabled", "govuk-frontend-supported");
initAll();
