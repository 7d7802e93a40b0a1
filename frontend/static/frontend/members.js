// Members on the settings page: add by username or e-mail, change role, remove. The API refuses
// (409) to leave a project without a manager; the message is shown on the member's row.

import { api } from "./api.js";
import { $, announce, clear, h, showMessage } from "./dom.js";
import { clearErrors, setBusy, showErrors } from "./forms.js";

const ROLE_LABELS = { manager: "Manager", annotator: "Annotator", reviewer: "Reviewer", viewer: "Viewer" };

export function wireMembers({ projectApi, canManage, me }) {
  const membersUrl = `${projectApi}members/`;
  const body = $("#member-rows");
  const addForm = $("#add-member-form");
  const roleOptions = $("#role-options");

  load();

  async function load() {
    try {
      const page = await api.get(membersUrl, { page_size: 500 });
      clear(body);
      for (const member of Array.isArray(page) ? page : page.results) body.append(...rows(member));
    } catch (error) {
      showMessage($("#members-error"), error.detail);
    }
  }

  function rows(member) {
    const error = h("p", { class: "alert alert-error", role: "alert" });
    const errorRow = h("tr", { class: "row-message", hidden: true }, h("td", { colspan: canManage ? "3" : "2" }, error));
    const showError = (message) => {
      error.textContent = message;
      errorRow.hidden = !message;
    };
    const isMe = member.username === me;
    const who = h("td", {}, h("span", { dir: "auto", text: member.username }), isMe ? h("span", { class: "muted", text: " (you)" }) : null);
    if (!canManage) {
      const row = h("tr", {}, who, h("td", {}, h("span", { class: "badge", text: ROLE_LABELS[member.role] || member.role })));
      return [row, errorRow];
    }

    let role = member.role;
    const select = h("select", { "aria-label": `Role of ${member.username}` });
    select.append(roleOptions.content.cloneNode(true));
    select.value = role;
    select.addEventListener("change", async () => {
      showError("");
      try {
        const updated = await api.patch(`${membersUrl}${member.id}/`, { role: select.value });
        role = updated.role;
        announce(`${member.username} is now ${ROLE_LABELS[role] || role}.`);
        // Demoting yourself changes what this page may do.
        if (isMe && role !== "manager") window.location.reload();
      } catch (failure) {
        select.value = role;
        showError(failure.detail);
      }
    });
    const remove = h("button", { type: "button", class: "button ghost danger", text: "Remove" });
    remove.addEventListener("click", async () => {
      const question = isMe ? "Remove yourself from this project?" : `Remove ${member.username} from this project?`;
      if (!window.confirm(question)) return;
      showError("");
      try {
        await api.delete(`${membersUrl}${member.id}/`);
        if (isMe) {
          window.location.assign("/");
          return;
        }
        row.remove();
        errorRow.remove();
        ($("#new-member-user") || document.getElementById("main")).focus();
        announce(`${member.username} removed.`);
      } catch (failure) {
        showError(failure.detail);
      }
    });
    const row = h("tr", { dataset: { id: member.id } }, who, h("td", {}, select), h("td", { class: "row-actions" }, remove));
    return [row, errorRow];
  }

  addForm?.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(addForm);
    setBusy(addForm, true);
    try {
      const member = await api.post(membersUrl, { user: addForm.elements.user.value.trim(), role: addForm.elements.role.value });
      body.append(...rows(member));
      addForm.elements.user.value = "";
      addForm.elements.user.focus();
      announce(`${member.username} added as ${ROLE_LABELS[member.role] || member.role}.`);
    } catch (error) {
      showErrors(addForm, error);
    } finally {
      setBusy(addForm, false);
    }
  });
}
