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

// A table wider than its box scrolls sideways inside .table-wrap. Where it does, the box
// takes keyboard focus (arrow keys then scroll it) and is named by the table's caption, so
// nothing is out of reach on a phone; where it fits, it stays out of the Tab order.
function markScrollableTables() {
  for (const wrap of document.querySelectorAll(".table-wrap")) {
    if (wrap.scrollWidth > wrap.clientWidth) {
      const caption = wrap.querySelector("caption");
      wrap.setAttribute("tabindex", "0");
      wrap.setAttribute("role", "region");
      wrap.setAttribute("aria-label", caption ? caption.textContent.trim() : document.title);
    } else if (wrap.getAttribute("tabindex") === "0") {
      wrap.removeAttribute("tabindex");
      wrap.removeAttribute("role");
      wrap.removeAttribute("aria-label");
    }
  }
}
document.addEventListener("DOMContentLoaded", markScrollableTables);
window.addEventListener("resize", markScrollableTables);
