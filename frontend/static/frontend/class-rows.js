// The "initial classes" rows of the create-project form: add, remove, read in submission order.

import { $$ } from "./dom.js";

// Distinct, readable on light and dark backgrounds; new rows cycle through them.
export const PALETTE = [
  "#e6194b",
  "#3cb44b",
  "#4363d8",
  "#f58231",
  "#911eb4",
  "#42d4f4",
  "#f032e6",
  "#bfef45",
  "#469990",
  "#9a6324",
  "#800000",
  "#808000",
];

export function wireClassRows(form) {
  const list = form.querySelector("[data-class-rows]");
  const template = document.getElementById("class-row-template");
  const addButton = form.querySelector("[data-add-class]");
  let added = 0;

  const rows = () => $$(".class-row", list);

  const renumber = () => {
    rows().forEach((row, index) => {
      for (const label of $$("[data-row-label]", row)) label.textContent = `${label.dataset.rowLabel} ${index + 1}`;
      for (const slot of $$("[data-class-error]", row)) {
        slot.id = `class-row-${index}-${slot.dataset.classError}-error`;
      }
      for (const input of $$("[data-class-field]", row)) {
        input.setAttribute("aria-describedby", `class-row-${index}-${input.dataset.classField}-error`);
      }
    });
  };

  const addRow = (values = {}) => {
    const row = template.content.firstElementChild.cloneNode(true);
    row.querySelector("[data-class-field=name]").value = values.name || "";
    row.querySelector("[data-class-field=color]").value = values.color || PALETTE[added % PALETTE.length];
    row.querySelector("[data-class-field=hotkey]").value = values.hotkey || "";
    added += 1;
    list.append(row);
    renumber();
    return row;
  };

  list.addEventListener("click", (event) => {
    const button = event.target.closest("[data-remove-class]");
    if (!button) return;
    const row = button.closest(".class-row");
    const next = row.nextElementSibling || row.previousElementSibling;
    row.remove();
    renumber();
    // Keep keyboard users where they were instead of dropping focus to the page.
    (next ? next.querySelector("[data-class-field=name]") : addButton).focus();
  });
  addButton.addEventListener("click", () => addRow().querySelector("[data-class-field=name]").focus());

  /**
   * The classes to send. Rows left completely empty are skipped; each sent row's error slots are
   * keyed by its position in the request, matching the API's "classes[i].field" errors.
   */
  const read = () => {
    const classes = [];
    for (const row of rows()) {
      const name = row.querySelector("[data-class-field=name]").value.trim();
      const hotkey = row.querySelector("[data-class-field=hotkey]").value.trim().toLowerCase();
      const color = row.querySelector("[data-class-field=color]").value;
      const slots = $$("[data-class-error]", row);
      if (!name && !hotkey) {
        for (const slot of slots) slot.dataset.errorFor = "";
        continue;
      }
      for (const slot of slots) slot.dataset.errorFor = `classes[${classes.length}].${slot.dataset.classError}`;
      classes.push(hotkey ? { name, color, hotkey } : { name, color });
    }
    return classes;
  };

  return { addRow, read };
}
