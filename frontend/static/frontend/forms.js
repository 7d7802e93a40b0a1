// Showing API validation errors next to the fields they belong to.
//
// A form marks where each field's messages go with `data-error-for="<field>"` (the API's error keys,
// e.g. "name" or "classes[0].hotkey") and has one `[data-form-error]` element for everything else.

import { $$, showMessage } from "./dom.js";

export function clearErrors(form) {
  for (const slot of $$("[data-error-for]", form)) slot.textContent = "";
  for (const input of $$("[aria-invalid]", form)) input.removeAttribute("aria-invalid");
  showMessage(form.querySelector("[data-form-error]"), "");
}

function inputsDescribedBy(form, slot) {
  if (!slot.id) return [];
  return $$("[aria-describedby]", form).filter((input) =>
    input.getAttribute("aria-describedby").split(/\s+/).includes(slot.id),
  );
}

/** Put an ApiError's messages next to their fields; anything unplaced goes to the form's alert. */
export function showErrors(form, error) {
  clearErrors(form);
  const unplaced = [];
  let firstInvalid = null;
  for (const [field, messages] of Object.entries(error.errors || {})) {
    const text = [].concat(messages).join(" ");
    const slot = $$("[data-error-for]", form).find((candidate) => candidate.dataset.errorFor === field);
    if (!slot) {
      unplaced.push(field === "non_field_errors" ? text : `${field}: ${text}`);
      continue;
    }
    slot.textContent = text;
    for (const input of inputsDescribedBy(form, slot)) {
      input.setAttribute("aria-invalid", "true");
      firstInvalid = firstInvalid || input;
    }
  }
  const placedAll = unplaced.length === 0 && Object.keys(error.errors || {}).length > 0;
  const formError = form.querySelector("[data-form-error]");
  if (formError) showMessage(formError, placedAll ? "" : [error.detail, ...unplaced].filter(unique).join(" "));
  if (firstInvalid) firstInvalid.focus();
  else if (formError && !formError.hidden) formError.scrollIntoView({ block: "nearest" });
}

function unique(value, index, all) {
  return all.indexOf(value) === index;
}

/** Disable the form's submit buttons while a request runs, so a double click sends once. */
export function setBusy(form, busy) {
  form.setAttribute("aria-busy", busy ? "true" : "false");
  for (const button of $$("button[type=submit], button:not([type])", form)) button.disabled = busy;
}
