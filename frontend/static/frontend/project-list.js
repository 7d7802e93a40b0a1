// Projects page: the create-project form, submitted to POST /api/v1/projects/.

import { api } from "./api.js";
import { wireClassRows } from "./class-rows.js";
import { $ } from "./dom.js";
import { clearErrors, setBusy, showErrors } from "./forms.js";
import { readProjectFields, wireDependents } from "./project-form.js";

const form = $("#create-project-form");
if (form) {
  const classRows = wireClassRows(form);
  classRows.addRow();
  wireDependents(form);

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    const data = { ...readProjectFields(form), classes: classRows.read() };
    setBusy(form, true);
    try {
      const project = await api.post(form.dataset.api, data);
      window.location.assign(`${form.dataset.pageBase}${project.id}/`);
    } catch (error) {
      showErrors(form, error);
      setBusy(form, false);
    }
  });
}
