// Entry point of the labelling and review pages: read where to start from the page, load the project's
// schema, and hand over to the workbench.

import { api } from "../api.js";
import { h } from "../dom.js";
import { Workbench } from "./workbench.js";

const root = document.getElementById("editor");
if (root) {
  fitToWindow(root.closest("main"));
  start(root);
}

/** The editor fills the window below the site's header: it never scrolls the page. */
function fitToWindow(main) {
  const fit = () =>
    main.style.setProperty(
      "--editor-height",
      `${Math.max(480, window.innerHeight - main.getBoundingClientRect().top - window.scrollY)}px`,
    );
  fit();
  window.addEventListener("resize", fit);
}

function readConfig(element) {
  const data = element.dataset;
  return {
    mode: data.mode,
    projectId: Number(data.projectId),
    userId: Number(data.userId),
    username: data.username,
    role: data.role,
    itemId: data.itemId ? Number(data.itemId) : null,
    annotationId: data.annotationId ? Number(data.annotationId) : null,
    labelItemUrl: data.labelItemUrl,
    reviewUrl: data.reviewUrl,
    queueUrl: data.queueUrl,
  };
}

async function start(element) {
  const config = readConfig(element);
  // The schema loads while the workbench asks for the item: one round trip less before the first frame.
  const project = api.get(`/api/v1/projects/${config.projectId}/`);
  const workbench = new Workbench(element, config, project);
  // For diagnostics and the UI benchmark (bench/ui.py reads frame times from it).
  window.tandemEditor = workbench;
  try {
    await workbench.start();
  } catch (error) {
    const area = element.querySelector("#editor-canvas");
    area.replaceChildren(
      h(
        "div",
        { class: "editor-placeholder" },
        h("p", { text: `The editor could not start: ${error.detail || error.message}` }),
      ),
    );
  }
}
