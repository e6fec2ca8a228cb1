// The only hand-written script: progressive enhancements that htmx does not cover.
// Everything here is optional; every page works without it.
document.documentElement.classList.replace("no-js", "js");

document.addEventListener("click", (event) => {
  const toggle = event.target.closest("[data-nav-toggle]");
  if (toggle) {
    const open = toggle.getAttribute("aria-expanded") !== "true";
    toggle.setAttribute("aria-expanded", String(open));
    document.body.classList.toggle("nav-open", open);
    if (open) document.querySelector("#sidebar a")?.focus();
    return;
  }
  const dismiss = event.target.closest("[data-dismiss]");
  if (dismiss) dismiss.closest(".alert")?.remove();
});

document.addEventListener("keydown", (event) => {
  if (event.key === "Escape" && document.body.classList.contains("nav-open")) {
    const toggle = document.querySelector("[data-nav-toggle]");
    toggle.setAttribute("aria-expanded", "false");
    document.body.classList.remove("nav-open");
    toggle.focus();
  }
});

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
