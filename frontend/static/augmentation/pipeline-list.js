// The project's saved pipelines, with links to the builder and to launching a job.

import { api } from "../frontend/api.js";
import { $, clear, h, showMessage } from "../frontend/dom.js";
import { formatDate } from "./common.js";

const root = $("#pipeline-list");
if (root) load(root);

function countSteps(steps) {
  return steps.reduce((total, step) => total + (step.steps ? countSteps(step.steps) : 1), 0);
}

async function load(root) {
  const canManage = root.dataset.canManage === "true";
  try {
    const pipelines = await api.all(root.dataset.pipelinesApi);
    const rows = clear($("#pipeline-rows"));
    for (const pipeline of pipelines) {
      const actions = h("td", { class: "row-actions" });
      if (canManage) actions.append(h("a", { class: "button", href: `${root.dataset.jobsPage}new/?pipeline=${pipeline.id}`, text: "Launch job" }));
      rows.append(
        h(
          "tr",
          {},
          h("td", {}, h("a", { href: `${root.dataset.pipelinesPage}${pipeline.id}/`, text: pipeline.name })),
          h("td", { text: pipeline.target }),
          h("td", { text: String(countSteps(pipeline.config.steps)) }),
          h("td", { text: formatDate(pipeline.updated_at) }),
          actions,
        ),
      );
    }
    $("#pipelines-empty").hidden = pipelines.length > 0;
  } catch (error) {
    showMessage($("#pipelines-error"), error.message);
  }
}
