// The shortcut overlay (?): every binding of the current keymap, grouped, in a modal dialog.

import { clear, h } from "../dom.js";

export class HelpOverlay {
  constructor(dialog) {
    this.dialog = dialog;
    this.body = dialog.querySelector("[data-help-body]");
    dialog.querySelector("[data-close]")?.addEventListener("click", () => this.close());
    // A click on the backdrop (the dialog element itself, outside its content) closes it.
    dialog.addEventListener("click", (event) => {
      if (event.target === dialog) this.close();
    });
  }

  get isOpen() {
    return this.dialog.open;
  }

  toggle(keymap) {
    if (this.isOpen) this.close();
    else this.open(keymap);
  }

  open(keymap) {
    clear(this.body);
    for (const { group, rows } of keymap.describe()) {
      const list = h("dl", { class: "help-list" });
      for (const row of rows) {
        const keys = h("dt");
        row.keys.forEach((key, index) => {
          if (index) keys.append(h("span", { class: "muted", text: " or " }));
          keys.append(h("kbd", { text: key }));
        });
        list.append(h("div", { class: "help-row" }, keys, h("dd", { text: row.label })));
      }
      this.body.append(h("section", { class: "help-group" }, h("h3", { text: group }), list));
    }
    this.dialog.showModal();
  }

  close() {
    if (this.isOpen) this.dialog.close();
  }
}
