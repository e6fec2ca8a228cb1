// The only hand-written script: progressive enhancements that htmx does not cover.
// Everything here is optional; every page works without it. It never writes a style
// attribute: the Content-Security-Policy refuses inline styles.
document.documentElement.classList.replace("no-js", "js");

// Dialogs: a link with data-dialog="<id>" opens that <dialog> instead of its page (the
// page is what a browser without JavaScript gets). Escape (native) and [data-dialog-close]
// close it; the focus then goes back to the link.
const dialogOpeners = new WeakMap();

function openDialog(opener) {
  const dialog = document.getElementById(opener.dataset.dialog);
  if (!dialog || typeof dialog.showModal !== "function") return false;
  dialogOpeners.set(dialog, opener);
  dialog.showModal();
  // The safe choice first: Enter on a dialog that asks to delete must not delete.
  dialog.querySelector("[data-dialog-close]")?.focus();
  return true;
}

document.addEventListener(
  "close",
  (event) => {
    const opener = dialogOpeners.get(event.target);
    if (opener?.isConnected) opener.focus();
  },
  true, // "close" does not bubble
);

document.addEventListener("click", (event) => {
  const toggle = event.target.closest("[data-nav-toggle]");
  if (toggle) {
    const open = toggle.getAttribute("aria-expanded") !== "true";
    toggle.setAttribute("aria-expanded", String(open));
    document.body.classList.toggle("nav-open", open);
    if (open) document.querySelector("#sidebar a")?.focus();
    return;
  }
  const opener = event.target.closest("[data-dialog]");
  if (opener && openDialog(opener)) {
    event.preventDefault();
    return;
  }
  const closer = event.target.closest("[data-dialog-close]");
  if (closer) {
    closer.closest("dialog")?.close();
    return;
  }
  const dismiss = event.target.closest("[data-dismiss]");
  if (dismiss) dismiss.closest(".alert")?.remove();
});

document.addEventListener("keydown", (event) => {
  if (event.key !== "Escape" || event.defaultPrevented) return;
  // An open disclosure (the label editor) closes, and its summary takes the focus back.
  const details = event.target.closest?.("details[open]");
  if (details && !event.target.closest("dialog")) {
    details.open = false;
    details.querySelector("summary")?.focus();
    event.preventDefault();
    return;
  }
  if (document.body.classList.contains("nav-open")) {
    const toggle = document.querySelector("[data-nav-toggle]");
    toggle.setAttribute("aria-expanded", "false");
    document.body.classList.remove("nav-open");
    toggle.focus();
  }
});

// After htmx swaps in what an action changed, the focus must not fall to <body> (where the
// button that was pressed used to be). htmx itself focuses an [autofocus] field it swapped
// in; otherwise the element marked data-focus (a notice, with tabindex="-1") takes it.
document.addEventListener("htmx:afterSettle", (event) => {
  const swapped = event.target;
  const target = swapped.matches?.("[data-focus]") ? swapped : swapped.querySelector?.("[data-focus]");
  if (!target) return;
  const active = document.activeElement;
  if (active && active !== document.body && active.isConnected) return;
  target.focus();
});

// Countdowns: [data-countdown="<seconds>"] counts down in the words the server
// used ("10 minutes", "42 seconds"; "45 s" with data-countdown-format="short"), in its
// [data-countdown-text] child if it has one. At zero it shows data-countdown-end-text (if any) and fires
// "countdown-end", on which htmx can ask the server for what changed.
// The server's text is what a browser without JavaScript keeps.
const deadlines = new WeakMap();

function plural(count, unit) {
  return `${count} ${unit}${count === 1 ? "" : "s"}`;
}

// Mirrors phones.models.wait_text: rounded up, so nobody is told to wait too little.
function waitText(seconds) {
  seconds = Math.max(1, Math.ceil(seconds));
  if (seconds < 60) return plural(seconds, "second");
  let minutes = Math.ceil(seconds / 60);
  if (minutes < 60) return plural(minutes, "minute");
  const hours = Math.floor(minutes / 60);
  minutes %= 60;
  return plural(hours, "hour") + (minutes ? ` ${plural(minutes, "minute")}` : "");
}

function tickCountdowns() {
  const now = performance.now();
  for (const element of document.querySelectorAll("[data-countdown]")) {
    if (!deadlines.has(element)) {
      deadlines.set(element, now + Number(element.dataset.countdown) * 1000);
    }
    const left = (deadlines.get(element) - now) / 1000;
    if (left > 0) {
      const text =
        element.dataset.countdownFormat === "short" ? `${Math.ceil(left)} s` : waitText(left);
      const clock = element.querySelector("[data-countdown-text]") ?? element;
      if (clock.textContent !== text) clock.textContent = text;
      continue;
    }
    element.removeAttribute("data-countdown");
    if ("countdownEndText" in element.dataset) element.textContent = element.dataset.countdownEndText;
    element.dispatchEvent(new CustomEvent("countdown-end", { bubbles: true }));
  }
}

tickCountdowns();
setInterval(tickCountdowns, 250); // a quarter of a second: no second is skipped or shown late
document.addEventListener("htmx:load", tickCountdowns);

// Country picker: the number's placeholder follows the chosen country's example, and a
// long list gets a search box. Runs again whenever htmx swaps a form in.
const PICKER_SEARCH_FROM = 8;

function enhanceCountryPickers(root) {
  for (const select of root.querySelectorAll("select[data-country-picker]:not([data-enhanced])")) {
    select.dataset.enhanced = "";
    const number = select.form?.querySelector("input[type=tel]");
    const showExample = () => {
      const example = select.selectedOptions[0]?.dataset.example;
      if (number && example) number.placeholder = example;
    };
    select.addEventListener("change", showExample);
    if (select.options.length < PICKER_SEARCH_FROM) continue;
    const search = document.createElement("input");
    search.type = "search";
    search.className = "country-search";
    search.placeholder = "Search countries";
    search.setAttribute("aria-label", "Search countries");
    search.addEventListener("input", () => {
      const wanted = search.value.trim().toLowerCase();
      for (const option of select.options) {
        option.hidden = wanted !== "" && !option.text.toLowerCase().includes(wanted);
      }
      const first = [...select.options].find((option) => !option.hidden);
      if (first && select.selectedOptions[0]?.hidden) {
        select.value = first.value;
        showExample();
      }
    });
    select.before(search);
  }
}

enhanceCountryPickers(document);
document.addEventListener("htmx:afterSettle", (event) => enhanceCountryPickers(event.target));
