// Manager actions on the gallery: select items, set their split, or split everything at random — in the
// version the gallery shows (`state.version`). Frozen versions (augmentation outputs) keep their splits.

import { api } from "./api.js";
import { $, $$, announce, showMessage, splitLabel } from "./dom.js";
import { clearErrors, setBusy, showErrors } from "./forms.js";

export function wireSplitActions({ itemsUrl, state, reload }) {
  const selectPage = $("#select-page");
  const count = $("#selection-count");
  const apply = $("#bulk-split-apply");
  const target = $("#bulk-split");
  const notice = $("#gallery-notice");
  const dialog = $("#random-split-dialog");
  const splitForm = $("#random-split-form");
  const randomOpen = $("#random-split-open");
  const frozenNote = $("#frozen-note");
  const withVersion = (body) => (state.version ? { ...body, version: Number(state.version) } : body);

  function refresh() {
    const onPage = state.items.map((item) => item.id);
    const chosen = onPage.filter((id) => state.selected.has(id)).length;
    selectPage.checked = onPage.length > 0 && chosen === onPage.length;
    selectPage.indeterminate = chosen > 0 && chosen < onPage.length;
    selectPage.disabled = onPage.length === 0;
    count.textContent = `${state.selected.size} selected`;
    apply.disabled = state.selected.size === 0 || state.frozen;
  }

  function setFrozen(frozen) {
    target.disabled = frozen;
    randomOpen.disabled = frozen;
    frozenNote.hidden = !frozen;
    refresh();
  }

  function toggle(id, on, cardElement) {
    if (on) state.selected.add(id);
    else state.selected.delete(id);
    cardElement?.classList.toggle("is-selected", on);
    refresh();
  }

  selectPage.addEventListener("change", () => {
    for (const element of $$("#gallery-grid .item-card")) {
      const box = element.querySelector(".item-select input");
      box.checked = selectPage.checked;
      toggle(Number(element.dataset.id), selectPage.checked, element);
    }
  });

  apply.addEventListener("click", async () => {
    const items = Array.from(state.selected);
    apply.disabled = true;
    showMessage(notice, "");
    try {
      const result = await api.post(`${itemsUrl}split/`, withVersion({ items, split: target.value }));
      state.selected.clear();
      const message = `${result.updated} item${result.updated === 1 ? "" : "s"} set to ${splitLabel(target.value)}.`;
      showMessage(notice, message);
      announce(message);
      await reload();
    } catch (error) {
      showMessage($("#gallery-error"), error.detail);
      refresh();
    }
  });

  randomOpen.addEventListener("click", () => {
    clearErrors(splitForm);
    dialog.showModal();
  });
  dialog.querySelector("[data-close-dialog]").addEventListener("click", () => dialog.close());
  splitForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const fields = splitForm.elements;
    const data = withVersion({
      train: Number(fields.train.value),
      val: Number(fields.val.value),
      test: Number(fields.test.value),
      seed: Number.parseInt(fields.seed.value, 10),
      only_unassigned: fields.only_unassigned.checked,
    });
    setBusy(splitForm, true);
    try {
      const result = await api.post(`${itemsUrl}random-split/`, data);
      dialog.close();
      const message = `Random split: ${result.train} train, ${result.val} validation, ${result.test} test.`;
      showMessage(notice, message);
      announce(message);
      await reload();
    } catch (error) {
      showErrors(splitForm, error);
    } finally {
      setBusy(splitForm, false);
    }
  });

  return { refresh, toggle, setFrozen };
}
