// Small progressive enhancements; every page works without this file.
"use strict";

document.addEventListener("click", (event) => {
  // Buttons that need a second thought carry data-confirm="question".
  const button = event.target.closest("[data-confirm]");
  if (button && !window.confirm(button.dataset.confirm)) {
    event.preventDefault();
  }
});

document.addEventListener("click", (event) => {
  // Category suggestions in the episode form (clinic/patterns/partials/category_suggestions.html):
  // a click ticks the suggested category's checkbox; nothing is ever ticked without one.
  const button = event.target.closest("button[data-category][data-part]");
  if (!button) {
    return;
  }
  const name = `${button.dataset.part}_categories`;
  const box = Array.from(document.getElementsByName(name)).find(
    (input) => input.type === "checkbox" && input.value === button.dataset.category,
  );
  if (!box) {
    return;
  }
  box.checked = true;
  box.dispatchEvent(new Event("change", { bubbles: true }));
  button.setAttribute("aria-pressed", "true");
});
