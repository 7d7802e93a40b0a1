// The project's experiments, newest first, with live status while any is unfinished.

import { api } from "../frontend/api.js";
import { $, clear, h, showMessage } from "../frontend/dom.js";
import { FINISHED, formatDate, progressBar, statusBadge } from "../augmentation/common.js";
import { KIND_LABELS, MODEL_LABELS, SPLIT_NAMES, differenceWithInterval, verdict } from "./format.js";

const POLL_MS = 2000;

const root = $("#experiment-list");
if (root) wireList(root);

function wireList(root) {
  const state = { page: 1, timer: null };
  $("#experiments-prev").addEventListener("click", () => load(state.page - 1));
  $("#experiments-next").addEventListener("click", () => load(state.page + 1));
  load(1);

  async function load(page) {
    window.clearTimeout(state.timer);
    try {
      const answer = await api.get(root.dataset.experimentsApi, { page });
      state.page = page;
      showMessage($("#experiments-error"), "");
      const rows = clear($("#experiment-rows"));
      for (const experiment of answer.results) rows.append(row(experiment));
      $("#experiments-empty").hidden = answer.count > 0;
      $("#experiment-pages").hidden = !answer.next && !answer.previous;
      $("#experiments-page-status").textContent = `Page ${page}`;
      $("#experiments-prev").disabled = !answer.previous;
      $("#experiments-next").disabled = !answer.next;
      if (answer.results.some((e) => !FINISHED.has(e.status))) state.timer = window.setTimeout(() => load(state.page), POLL_MS);
    } catch (error) {
      showMessage($("#experiments-error"), error.message);
    }
  }

  function row(experiment) {
    const title = experiment.name ? `${experiment.id}: ${experiment.name}` : `Experiment ${experiment.id}`;
    const model = experiment.model_family ? ` · ${MODEL_LABELS[experiment.model_family] ?? experiment.model_family}` : "";
    const training = experiment.training_version ? `v${experiment.training_version.number} ${SPLIT_NAMES[experiment.training_split] ?? experiment.training_split}` : "(deleted version)";
    const evaluation = experiment.evaluation_version
      ? ` → v${experiment.evaluation_version.number} ${SPLIT_NAMES[experiment.evaluation_split] ?? experiment.evaluation_split}`
      : "";
    const status = h("td", {}, statusBadge(experiment.status));
    if (!FINISHED.has(experiment.status)) status.append(" ", progressBar({ ...experiment.progress, failed: 0 }, { small: true }));
    return h(
      "tr",
      { dataset: { experiment: experiment.id } },
      h("td", {}, h("a", { href: `${root.dataset.experimentsPage}${experiment.id}/`, text: title })),
      h("td", { text: `${KIND_LABELS[experiment.kind] ?? experiment.kind}${model}` }),
      h("td", { text: `${training}${evaluation}` }),
      status,
      h("td", {}, best(experiment)),
      h("td", { text: formatDate(experiment.created_at) }),
    );
  }

  function best(experiment) {
    const compared = (experiment.headline || []).filter((r) => r.accuracy_difference);
    if (!compared.length) return h("span", { class: "muted", text: "—" });
    const top = compared.reduce((a, b) => (b.accuracy_difference.estimate > a.accuracy_difference.estimate ? b : a));
    return h("span", { class: `verdict verdict-${verdict(top.accuracy_difference)}`, text: `${top.label}: ${differenceWithInterval(top.accuracy_difference)}` });
  }
}
