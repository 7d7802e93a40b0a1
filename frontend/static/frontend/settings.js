// Project settings page: the project's fields, its label schema and its members.

import { api } from "./api.js";
import { $, announce, showMessage } from "./dom.js";
import { clearErrors, setBusy, showErrors } from "./forms.js";
import { wireMembers } from "./members.js";
import { fillProjectFields, readProjectFields, wireDependents } from "./project-form.js";
import { wireSchemaEditor } from "./schema-editor.js";

const root = $("#settings");
if (root) {
  const projectApi = root.dataset.projectApi;
  const canManage = root.dataset.canManage === "true";
  wireProjectForm($("#project-form"), projectApi, canManage);
  wireSchemaEditor({ projectApi, canManage });
  wireMembers({ projectApi, canManage, me: root.dataset.username });
}

async function wireProjectForm(form, projectApi, canManage) {
  wireDependents(form);
  try {
    fillProjectFields(form, await api.get(projectApi));
  } catch (error) {
    showMessage(form.querySelector("[data-form-error]"), error.detail);
    return;
  }
  if (!canManage) return;
  const status = form.querySelector("[data-form-status]");
  form.addEventListener("input", () => {
    status.textContent = "";
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    setBusy(form, true);
    try {
      const project = await api.patch(projectApi, readProjectFields(form, { advanced: true }));
      fillProjectFields(form, project);
      // The project's name also shows in the top bar.
      const crumb = $(".mainnav .crumb");
      if (crumb) crumb.textContent = project.name;
      status.textContent = "Saved.";
      announce("Project settings saved.");
    } catch (error) {
      showErrors(form, error);
    } finally {
      setBusy(form, false);
    }
  });
}
