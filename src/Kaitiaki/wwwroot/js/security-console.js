// Keeps the security console current without a reload. Each page is complete without this file, and its Refresh link
// does the same by hand. On the alerts page a long poll asks whether alerts or actions have changed; when they have, the
// live part is fetched again and put in place, and new alerts are announced in the polite status region. On a
// remediation batch's page the progress is fetched again every two seconds until the batch has finished.
const status = document.getElementById("live-status");

function say(text) {
    if (status) {
        status.textContent = text;
    }
}

function wait(milliseconds) {
    return new Promise(resolve => setTimeout(resolve, milliseconds));
}

class SignedOut extends Error {}

// A redirect (to sign in, or away from a page this account may not see) means the session is over: stop, don't retry.
async function get(url, accept) {
    const response = await fetch(url, { credentials: "same-origin", redirect: "manual", cache: "no-store", headers: { Accept: accept } });
    if (response.type === "opaqueredirect" || response.status === 401 || response.status === 403) {
        throw new SignedOut();
    }
    if (!response.ok) {
        throw new Error(`The portal answered ${response.status}.`);
    }
    return response;
}

// Puts the server's new rendering of a part of the page in place, keeping any <details> the reader had opened.
async function replace(region, url) {
    const html = await (await get(url, "text/html")).text();
    const fresh = new DOMParser().parseFromString(html, "text/html").body;
    for (const open of region.querySelectorAll("details[open][id]")) {
        fresh.querySelector(`details#${CSS.escape(open.id)}`)?.setAttribute("open", "");
    }
    region.replaceChildren(...fresh.childNodes);
}

function stopped(error, what) {
    say(error instanceof SignedOut
        ? "Live updates have stopped because you're no longer signed in. Sign in again to carry on."
        : `${what} stopped updating. Use Refresh to see the latest.`);
}

async function watchAlerts(region) {
    let version = Number(region.dataset.version);
    let failures = 0;
    for (;;) {
        try {
            const answer = await (await get(`${region.dataset.changes}?since=${version}`, "application/json")).json();
            failures = 0;
            if (answer.version !== version) {
                version = answer.version;
                const seen = new Set([...region.querySelectorAll("[data-alert-id]")].map(row => row.dataset.alertId));
                await replace(region, region.dataset.fragment);
                const added = [...region.querySelectorAll("[data-alert-id]")].filter(row => !seen.has(row.dataset.alertId));
                if (added.length === 1) {
                    say(`New alert: ${added[0].dataset.alertRule}.`);
                } else if (added.length > 1) {
                    say(`${added.length} new alerts. The latest: ${added[0].dataset.alertRule}.`);
                }
            }
        } catch (error) {
            failures += 1;
            if (error instanceof SignedOut || failures >= 5) {
                stopped(error, "The alerts");
                return;
            }
            await wait(2000 * failures);
        }
    }
}

async function followProgress(region) {
    const unfinished = () => region.querySelector('[data-finished="false"]') !== null;
    if (!unfinished()) {
        return;
    }
    while (unfinished()) {
        await wait(2000);
        try {
            await replace(region, region.dataset.fragment);
        } catch (error) {
            stopped(error, "Progress");
            return;
        }
    }
    say(document.getElementById("progress-summary")?.textContent.trim() ?? "The batch has finished.");
}

const live = document.getElementById("live");
if (live) {
    watchAlerts(live);
}
const progress = document.getElementById("progress");
if (progress) {
    followProgress(progress);
}
