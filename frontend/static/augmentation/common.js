// Shared by the augmentation pages: job status badges, progress bars and number formatting.

import { h } from "../frontend/dom.js";

export const JOB_STATUS_LABELS = {
  queued: "Queued",
  running: "Running",
  completed: "Completed",
  completed_with_errors: "Completed with errors",
  failed: "Failed",
  cancelled: "Cancelled",
};
export const FINISHED = new Set(["completed", "completed_with_errors", "failed", "cancelled"]);

export function statusBadge(status) {
  return h("span", { class: `badge status-${status}`, text: JOB_STATUS_LABELS[status] ?? status });
}

/** A bar with done (accent) and failed (red) parts; its numbers go to assistive tech as text. */
export function progressBar(progress, { small = false } = {}) {
  const bar = h("div", { class: small ? "progress small" : "progress", role: "progressbar" });
  bar.append(h("div", { class: "progress-done" }), h("div", { class: "progress-failed" }));
  updateProgressBar(bar, progress);
  return bar;
}

export function updateProgressBar(bar, progress) {
  const total = progress.total || 0;
  const share = (count) => (total ? (100 * count) / total : 0);
  bar.children[0].style.width = `${share(progress.done)}%`;
  bar.children[1].style.width = `${share(progress.failed)}%`;
  bar.setAttribute("aria-valuemin", "0");
  bar.setAttribute("aria-valuemax", String(total));
  bar.setAttribute("aria-valuenow", String(progress.done + progress.failed));
  bar.setAttribute("aria-valuetext", `${progress.percent}% — ${progress.done} made, ${progress.failed} failed of ${total}`);
}

export function formatRate(perSecond) {
  if (perSecond === null || perSecond === undefined) return "—";
  return `${perSecond.toFixed(perSecond < 10 ? 1 : 0)}/s`;
}

export function formatEta(iso) {
  if (!iso) return "—";
  const seconds = Math.max(0, Math.round((new Date(iso).getTime() - Date.now()) / 1000));
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${seconds % 60} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

export function formatDate(iso) {
  if (!iso) return "—";
  return new Date(iso).toLocaleString();
}

export function pluralise(count, noun) {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}
