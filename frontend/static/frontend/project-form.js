// The project's own fields (partials/project_fields.html): read, fill, and show the options that
// only matter for some annotation kinds.

import { $$ } from "./dom.js";

const ADVANCED_NUMBERS = ["annotators_per_item", "lock_minutes", "idle_threshold_s"];

function radioValue(form, name) {
  const checked = form.querySelector(`input[name="${name}"]:checked`);
  return checked ? checked.value === "true" : false;
}

export function readProjectFields(form, { advanced = false } = {}) {
  const data = {
    name: form.elements.name.value.trim(),
    description: form.elements.description.value,
    kinds: $$("input[name=kinds]:checked", form).map((input) => input.value),
    image_class_multi: radioValue(form, "image_class_multi"),
    text_class_multi: radioValue(form, "text_class_multi"),
    allow_overlapping_spans: form.elements.allow_overlapping_spans.checked,
  };
  if (advanced) {
    for (const name of ADVANCED_NUMBERS) {
      const raw = form.elements[name].value.trim();
      // An empty box is sent as it is, so the API names the problem next to the field.
      data[name] = raw === "" ? null : Number(raw);
    }
    const rate = form.elements.hourly_rate.value.trim();
    data.hourly_rate = rate === "" ? null : rate;
  }
  return data;
}

export function fillProjectFields(form, project) {
  form.elements.name.value = project.name;
  form.elements.description.value = project.description || "";
  for (const input of $$("input[name=kinds]", form)) input.checked = project.kinds.includes(input.value);
  for (const name of ["image_class_multi", "text_class_multi"]) {
    const value = project[name] ? "true" : "false";
    for (const input of $$(`input[name="${name}"]`, form)) input.checked = input.value === value;
  }
  form.elements.allow_overlapping_spans.checked = Boolean(project.allow_overlapping_spans);
  for (const name of [...ADVANCED_NUMBERS, "hourly_rate"]) {
    if (form.elements[name]) form.elements[name].value = project[name] ?? "";
  }
  updateDependents(form);
}

/** Show "one or several classes" only when that kind is chosen, and so on. */
export function updateDependents(form) {
  const chosen = new Set($$("input[name=kinds]:checked", form).map((input) => input.value));
  for (const block of $$("[data-depends-on]", form)) block.hidden = !chosen.has(block.dataset.dependsOn);
}

export function wireDependents(form) {
  for (const input of $$("input[name=kinds]", form)) input.addEventListener("change", () => updateDependents(form));
  updateDependents(form);
}
