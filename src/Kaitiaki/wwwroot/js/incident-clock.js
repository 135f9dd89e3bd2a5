// Keeps an incident's clocks counting down without a reload. The server already wrote how long is left, so the page
// reads correctly without this file; this only keeps the words current. It counts from the server's own figure
// (data-seconds-left) and this page's own elapsed time, never the computer's clock, which may be wrong.
const started = performance.now();
const clocks = [...document.querySelectorAll("[data-seconds-left]")].map((element) => ({
  element,
  seconds: Number(element.dataset.secondsLeft),
}));

function plural(n, one) {
  return n === 1 ? `1 ${one}` : `${n.toLocaleString("en-NZ")} ${one}s`;
}

// The same words as IncidentText.Left on the server.
function words(secondsLeft) {
  const span = Math.abs(secondsLeft);
  const hours = Math.floor(span / 3600);
  const minutes = Math.floor((span % 3600) / 60);
  const amount = hours === 0 && minutes === 0 ? "less than a minute"
    : hours === 0 ? plural(minutes, "minute")
    : minutes === 0 ? plural(hours, "hour")
    : `${plural(hours, "hour")} ${plural(minutes, "minute")}`;
  if (secondsLeft < 0) {
    return hours === 0 && minutes === 0 ? "Overdue" : `Overdue by ${amount}`;
  }
  return `${amount} left`;
}

function tick() {
  const elapsed = Math.floor((performance.now() - started) / 1000);
  for (const clock of clocks) {
    const text = words(clock.seconds - elapsed);
    if (clock.element.textContent !== text) {
      clock.element.textContent = text;
    }
  }
}

if (clocks.length > 0) {
  tick();
  setInterval(tick, 15_000);
}
