// Messages above the editor that stay until they are resolved: save problems (offline, server errors,
// conflicts), a reviewer's comment on rejected work, unsaved work found in this browser.

import { h } from "../dom.js";

export class Banners {
  constructor(container) {
    this.container = container;
    this.shown = new Map();
  }

  /** Show (or replace) banner `id`: kind is "error", "warning" or "info"; actions are [{label, run, primary}]. */
  show(id, { kind = "info", message, detail = null, actions = [], dismissible = false }) {
    const existing = this.shown.get(id);
    // The same message again (a retry that failed again) keeps its banner: buttons must not move under the pointer.
    if (existing && existing.dataset.message === `${kind}:${message}:${detail}`) return existing;
    this.hide(id);
    const buttons = actions.map(({ label, run, primary }) =>
      h("button", {
        type: "button",
        class: primary ? "button small primary" : "button small",
        text: label,
        on: { click: run },
      }),
    );
    if (dismissible) {
      buttons.push(
        h("button", {
          type: "button",
          class: "button small ghost",
          text: "Dismiss",
          on: { click: () => this.hide(id) },
        }),
      );
    }
    const banner = h(
      "div",
      { class: `editor-banner banner-${kind}`, role: kind === "info" ? "status" : "alert", dataset: { banner: id } },
      h(
        "div",
        { class: "banner-text" },
        h("p", { dir: "auto", text: message }),
        detail ? h("p", { class: "banner-detail", dir: "auto", text: detail }) : null,
      ),
      buttons.length ? h("div", { class: "banner-actions" }, buttons) : null,
    );
    banner.dataset.message = `${kind}:${message}:${detail}`;
    this.shown.set(id, banner);
    this.container.append(banner);
    return banner;
  }

  hide(id) {
    const banner = this.shown.get(id);
    if (banner) banner.remove();
    this.shown.delete(id);
  }

  clear() {
    for (const id of [...this.shown.keys()]) this.hide(id);
  }
}
