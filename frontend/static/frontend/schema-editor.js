// The label schema on the settings page: list classes; add, rename, recolour, change hotkey, delete.
// Ids never change, so annotations keep their class through a rename; deleting a class in use is
// refused by the API (409, "used by N annotations") and the message is shown on the class's row.

import { api } from "./api.js";
import { $, announce, clear, h, showMessage } from "./dom.js";
import { clearErrors, setBusy, showErrors } from "./forms.js";

export function wireSchemaEditor({ projectApi, canManage }) {
  const classesUrl = `${projectApi}classes/`;
  const body = $("#class-rows");
  const addForm = $("#add-class-form");

  load();

  async function load() {
    try {
      const classes = await api.get(classesUrl);
      const list = Array.isArray(classes) ? classes : classes.results;
      clear(body);
      for (const labelClass of list) body.append(...rows(labelClass));
      showMessage($("#classes-empty"), list.length ? "" : "No classes yet.");
    } catch (error) {
      showMessage($("#classes-error"), error.detail);
    }
  }

  function rows(labelClass) {
    let saved = { ...labelClass };
    const colour = h("input", { type: "color", value: labelClass.color });
    const name = h("input", { type: "text", value: labelClass.name, maxlength: "100", autocomplete: "off" });
    const hotkey = h("input", {
      type: "text",
      class: "hotkey-input",
      value: labelClass.hotkey,
      maxlength: "1",
      autocomplete: "off",
    });
    const error = h("p", { class: "alert alert-error", role: "alert" });
    const errorRow = h("tr", { class: "row-message", hidden: true }, h("td", { colspan: canManage ? "4" : "3" }, error));
    for (const input of [colour, name, hotkey]) input.disabled = !canManage;
    // Inputs are named after the class, so screen readers (and tests) can tell the rows apart.
    const label = (className) => {
      colour.setAttribute("aria-label", `Colour of ${className}`);
      name.setAttribute("aria-label", `Name of class ${className}`);
      hotkey.setAttribute("aria-label", `Hotkey of ${className}`);
    };
    label(labelClass.name);

    const changes = () => {
      const current = { name: name.value.trim(), color: colour.value.toLowerCase(), hotkey: hotkey.value.trim().toLowerCase() };
      return Object.fromEntries(Object.entries(current).filter(([field, value]) => value !== saved[field]));
    };
    const showError = (message) => {
      error.textContent = message;
      errorRow.hidden = !message;
    };

    let actions = null;
    if (canManage) {
      const save = h("button", { type: "button", class: "button", disabled: true, text: "Save" });
      const remove = h("button", { type: "button", class: "button ghost danger", text: "Delete" });
      for (const input of [colour, name, hotkey]) {
        input.addEventListener("input", () => {
          save.disabled = Object.keys(changes()).length === 0;
        });
        input.addEventListener("keydown", (event) => {
          if (event.key === "Enter" && !save.disabled) save.click();
        });
      }
      save.addEventListener("click", async () => {
        save.disabled = true;
        showError("");
        try {
          saved = await api.patch(`${classesUrl}${labelClass.id}/`, changes());
          name.value = saved.name;
          colour.value = saved.color;
          hotkey.value = saved.hotkey;
          label(saved.name);
          announce(`Class ${saved.name} saved.`);
        } catch (failure) {
          const fieldMessages = Object.values(failure.errors).flat();
          showError(fieldMessages.length ? fieldMessages.join(" ") : failure.detail);
          save.disabled = false;
        }
      });
      remove.addEventListener("click", async () => {
        if (!window.confirm(`Delete the class “${saved.name}”?`)) return;
        showError("");
        try {
          await api.delete(`${classesUrl}${labelClass.id}/`);
          const next = errorRow.nextElementSibling?.querySelector("input:not([type=color])");
          row.remove();
          errorRow.remove();
          (next || $("#new-class-name") || document.getElementById("main")).focus();
          announce(`Class ${saved.name} deleted.`);
          if (!body.children.length) showMessage($("#classes-empty"), "No classes yet.");
        } catch (failure) {
          showError(failure.detail);
          remove.focus();
        }
      });
      actions = h("td", { class: "row-actions" }, save, remove);
    }
    const row = h("tr", { dataset: { id: labelClass.id } }, h("td", {}, colour), h("td", {}, name), h("td", {}, hotkey), actions);
    return [row, errorRow];
  }

  addForm?.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(addForm);
    const fields = addForm.elements;
    const data = { name: fields.name.value.trim(), color: fields.color.value };
    const key = fields.hotkey.value.trim().toLowerCase();
    if (key) data.hotkey = key;
    setBusy(addForm, true);
    try {
      const created = await api.post(classesUrl, data);
      body.append(...rows(created));
      showMessage($("#classes-empty"), "");
      addForm.reset();
      fields.name.focus();
      announce(`Class ${created.name} added.`);
    } catch (error) {
      showErrors(addForm, error);
    } finally {
      setBusy(addForm, false);
    }
  });
}
