// The editor page: which item is open and how one moves between items (the work queue, previous, skip,
// submit; or, for reviewers, the submitted annotations), with saving, timing and the keyboard around the
// image or text editor of the item shown.

import { announce, clear, h, showMessage, statusLabel } from "../dom.js";
import { Backup, Saver, backupKey } from "./autosave.js";
import { Banners } from "./banners.js";
import { call, ifMatch, projectApi } from "./client.js";
import { HelpOverlay } from "./help.js";
import { replaceAll } from "./history.js";
import { Keymap, isTextField } from "./hotkeys.js";
import { ImageEditor } from "./image-editor.js";
import { EditorModel } from "./model.js";
import { fromApi, fromPredictions, regionsToApi } from "./regions.js";
import { TextEditor } from "./text-editor.js";
import { WorkTiming, formatDuration, watchActivity } from "./timer.js";

const HISTORY_LIMIT = 50;

const SAVE_LABELS = {
  idle: "",
  saved: "All changes saved",
  dirty: "Unsaved changes",
  saving: "Saving…",
  offline: "Offline: not saved",
  error: "Not saved",
  conflict: "Conflict: not saved",
};

function loadImage(url) {
  return new Promise((resolve, reject) => {
    const image = new Image();
    image.decoding = "async";
    image.addEventListener("load", () => resolve(image));
    image.addEventListener("error", () => reject(new Error("The image could not be loaded.")));
    image.src = url;
  });
}

/** A stack of ids in sessionStorage (this tab's way back). */
class Trail {
  constructor(key) {
    this.key = key;
  }

  read() {
    try {
      return JSON.parse(window.sessionStorage.getItem(this.key) || "[]");
    } catch {
      return [];
    }
  }

  push(id) {
    const ids = this.read().filter((value) => value !== id);
    ids.push(id);
    window.sessionStorage.setItem(this.key, JSON.stringify(ids.slice(-HISTORY_LIMIT)));
  }

  pop(except) {
    const ids = this.read();
    let id = ids.pop();
    while (id !== undefined && id === except) id = ids.pop();
    window.sessionStorage.setItem(this.key, JSON.stringify(ids));
    return id;
  }

  get size() {
    return this.read().length;
  }
}

export class Workbench {
  constructor(root, config, projectRequest) {
    this.root = root;
    this.config = config;
    this.projectRequest = projectRequest;
    this.project = null;
    this.api = projectApi(config.projectId);
    this.reviewing = config.mode === "review";
    this.element = (id) => root.querySelector(`#${id}`);
    this.banners = new Banners(this.element("editor-banners"));
    this.help = new HelpOverlay(this.element("help-dialog"));
    this.conflictDialog = this.element("conflict-dialog");
    this.trail = new Trail(`tandem:trail:${this.reviewing ? "review" : "label"}:${config.projectId}:${config.userId}`);
    this.skippedReviews = new Set(JSON.parse(window.sessionStorage.getItem(this.skippedKey()) || "[]"));
    this.current = null;
    this.busyAction = false;
    this.keymap = new Keymap();
    this.wirePage();
  }

  skippedKey() {
    return `tandem:review-skipped:${this.config.projectId}:${this.config.userId}`;
  }

  async start() {
    const early = this.config.mode === "item" ? this.requestItem(this.config.itemId) : null;
    this.project = await this.projectRequest;
    if (this.reviewing) {
      if (this.config.annotationId) await this.openReview(this.config.annotationId);
      else await this.nextReview();
    } else if (this.config.mode === "item") await this.openItemById(this.config.itemId, early);
    else await this.next();
  }

  // ---- page furniture -----------------------------------------------------------------------------------

  wirePage() {
    const on = (id, handler) => this.element(id)?.addEventListener("click", handler);
    on("undo-button", () => this.current?.model.undo());
    on("redo-button", () => this.current?.model.redo());
    on("help-button", () => this.help.toggle(this.keymap));
    on("submit-button", () => this.submitAndNext());
    on("next-button", () => this.goNext());
    on("previous-button", () => this.goPrevious());
    on("skip-button", () => (this.reviewing ? this.skipReview() : this.skip()));
    on("accept-button", () => this.decide("accept"));
    on("reject-button", () => this.decide("reject"));
    this.conflictDialog.addEventListener("click", (event) => {
      const action = event.target.closest("[data-action]")?.dataset.action;
      if (action) this.resolveConflict(action);
    });
    this.conflictDialog.addEventListener("cancel", () => this.resolveConflict("later"));
    document.addEventListener("keydown", (event) => {
      if (document.querySelector("dialog[open]")) {
        if (this.help.isOpen && event.key === "?") {
          event.preventDefault();
          this.help.close();
        }
        return;
      }
      this.keymap.handle(event);
    });
    window.addEventListener("beforeunload", (event) => {
      const saver = this.current?.saver;
      if (saver && (saver.dirty || saver.inflight || saver.blocked)) {
        saver.lastChance();
        event.preventDefault();
        event.returnValue = "";
      }
    });
    window.addEventListener("pagehide", () => this.current?.saver.lastChance());
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "hidden") this.current?.saver.lastChance();
    });
    window.addEventListener("online", () => {
      const saver = this.current?.saver;
      if (saver && saver.status === "offline") saver.save().catch(() => {});
    });
    this.clockTimer = window.setInterval(() => this.showClock(), 1000);
  }

  showClock() {
    if (!this.current) return;
    this.element("active-time").textContent = formatDuration(this.current.timing.totalMs());
  }

  setSaveStatus(status) {
    const element = this.element("save-status");
    // A reviewer's corrections are saved with the decision, not as drafts: say that instead.
    const reviewing = this.reviewing && (status === "dirty" || status === "saved");
    element.dataset.state = reviewing ? "idle" : status;
    element.textContent = reviewing
      ? status === "dirty"
        ? "Corrected: saved with your decision"
        : ""
      : (SAVE_LABELS[status] ?? status);
  }

  /** A short message: read out to screen readers and shown under the toolbar for a few seconds. */
  notify(message) {
    announce(message);
    const element = this.element("editor-notice");
    if (!element) return;
    element.textContent = message;
    element.hidden = false;
    window.clearTimeout(this.noticeTimer);
    this.noticeTimer = window.setTimeout(() => {
      element.hidden = true;
    }, 4000);
  }

  placeholder(message, ...extra) {
    this.close();
    const panel = this.element("review-panel");
    if (panel) panel.hidden = true;
    const area = this.element("editor-canvas");
    clear(area).append(h("div", { class: "editor-placeholder" }, h("p", { dir: "auto", text: message }), ...extra));
    clear(this.element("editor-tools"));
    clear(this.element("editor-side-content"));
    this.updateButtons();
  }

  /** The page when there is nothing to show: done, or the item could not be loaded. */
  showDone(message) {
    const link = h("a", { class: "button", href: `/projects/${this.config.projectId}/`, text: "Back to the project" });
    this.placeholder(message, h("div", { class: "placeholder-actions" }, link));
    this.element("editor-title").textContent = "All done";
    this.showItemStatus(null);
    this.setSaveStatus("idle");
  }

  showLoadError(error, retry) {
    const message = error.detail || error.message || "The item could not be loaded.";
    this.placeholder(
      message,
      h(
        "div",
        { class: "placeholder-actions" },
        h("button", { type: "button", class: "button", text: "Try again", on: { click: retry } }),
      ),
    );
  }

  // ---- opening items --------------------------------------------------------------------------------------

  async next() {
    if (!(await this.leave())) return;
    this.placeholder("Finding your next item…");
    try {
      const response = await call("POST", this.api.queueNext);
      if (response.status === 204) {
        this.showDone("Nothing left to label here. Thank you!");
        return;
      }
      const handout = response.body;
      await this.open({ item: handout.item, session: handout.session, fromQueue: true, handout: handout.annotation });
    } catch (error) {
      this.showLoadError(error, () => this.next());
    }
  }

  /** Ask for an item, its annotations and a work session at once. */
  requestItem(itemId) {
    const requests = {
      item: call("GET", this.api.item(itemId)),
      session: call("POST", this.api.sessions, { data: { item: Number(itemId) } }),
      annotations: this.loadAnnotations({ id: itemId }),
    };
    // Failures are handled where the requests are awaited; this only keeps them from being "unhandled".
    for (const request of Object.values(requests)) request.catch(() => {});
    return requests;
  }

  async openItemById(itemId, early = null) {
    if (!(await this.leave())) return;
    this.placeholder("Loading…");
    try {
      const requests = early || this.requestItem(itemId);
      const [{ body: item }, { body: session }] = await Promise.all([requests.item, requests.session]);
      await this.open({ item, session, fromQueue: false, annotations: requests.annotations });
    } catch (error) {
      this.showLoadError(error, () => this.openItemById(itemId));
    }
  }

  async loadAnnotations(item) {
    const { body } = await call("GET", this.api.itemAnnotations(item.id), { params: { page_size: 500 } });
    const results = body.results || [];
    return {
      own: results.find((a) => !a.is_prediction && a.annotator === this.config.userId) || null,
      predictions: results.filter((a) => a.is_prediction),
    };
  }

  /** Build the editor for an item: its regions (own annotation, else the model's suggestions), timing, saving. */
  async open({
    item,
    session,
    fromQueue,
    handout = null,
    annotation = null,
    review = null,
    timing: kept = null,
    annotations: requested = null,
  }) {
    mark("editor:open");
    let own = annotation;
    let predictions = [];
    // The image and the annotations load side by side.
    const [image, annotations] = await Promise.all([
      item.kind === "image" ? loadImage(item.file_url) : null,
      review ? null : requested || this.loadAnnotations(item),
    ]);
    if (annotations) ({ own, predictions } = annotations);
    mark("editor:data");
    this.close();
    const regions = own ? own.regions.map((r) => fromApi(r, item)) : fromPredictions(predictions, item);
    // Reloading the same item after a conflict keeps its session and clock: active time only ever grows.
    const timing =
      kept ||
      new WorkTiming({
        idleThresholdMs: this.project.idle_threshold_s * 1000,
        session,
        openSession: async () => (await call("POST", this.api.sessions, { data: { item: item.id } })).body,
      });
    timing.timer.start();
    const model = new EditorModel({ project: this.project, item, regions, timing });
    const containers = {
      canvasArea: this.element("editor-canvas"),
      side: this.element("editor-side-content"),
      toolbar: this.element("editor-tools"),
    };
    // Accepted work is final for annotators (the server refuses changes); managers may still edit it.
    const acceptedForAnnotator = !review && own?.status === "accepted" && this.config.role !== "manager";
    const readOnly = Boolean((review && review.readOnly) || acceptedForAnnotator);
    const notify = (message) => this.notify(message);
    const editor =
      item.kind === "image"
        ? new ImageEditor({ model, image, notify, readOnly, ...containers })
        : new TextEditor({ model, notify, readOnly, ...containers });
    const backup = new Backup(
      backupKey({
        userId: this.config.userId,
        projectId: this.config.projectId,
        itemId: item.id,
        annotationId: review?.annotation.id,
        review: Boolean(review),
      }),
    );
    const saver = new Saver({
      api: this.api,
      itemId: item.id,
      annotation: own
        ? { id: own.id, version: own.version, status: own.status, review_comment: own.review_comment }
        : null,
      model,
      timing,
      backup,
      serverDrafts: !review,
      onStatus: (status) => this.setSaveStatus(status),
      onConflict: (conflict) => this.showConflict(conflict),
      onProblem: (problem) => this.showProblem(problem),
      onSaved: (saved) => this.showItemStatus(saved.status),
    });
    saver.busy = () => editor.busy;
    const stopWatching = watchActivity(timing);
    this.current = { item, model, editor, saver, timing, backup, fromQueue, review, readOnly, stopWatching };
    model.on("change", () => {
      saver.changed();
      this.updateButtons();
    });
    this.buildKeymap();
    this.setSaveStatus(own ? "saved" : "idle");
    this.showItemStatus(own?.status ?? handout?.status ?? null);
    this.element("editor-title").textContent =
      item.original_name || `${item.kind === "text" ? "Text" : "Image"} ${item.id}`;
    document.title = `${this.element("editor-title").textContent} · ${this.reviewing ? "Review" : "Label"} · ${this.project.name}`;
    const url = this.reviewing
      ? this.config.reviewUrl.replace(/\/0\/$/, `/${review.annotation.id}/`)
      : this.config.labelItemUrl.replace(/\/0\/label\/$/, `/${item.id}/label/`);
    if (window.location.pathname !== url) window.history.replaceState(null, "", url);
    if (acceptedForAnnotator) {
      this.banners.show("reason", {
        kind: "info",
        message: "A reviewer accepted this annotation; it can no longer be changed.",
      });
    } else if (!review && own?.status === "rejected" && own.review_comment) {
      this.banners.show("reason", {
        kind: "warning",
        message: "A reviewer sent this back to you:",
        detail: own.review_comment,
        dismissible: true,
      });
    }
    if (!own && predictions.length && regions.length) {
      this.banners.show("reason", {
        kind: "info",
        message: `${regions.length} region${regions.length === 1 ? " was" : "s were"} suggested by ${predictions.map((p) => p.model_name || "a model").join(", ")}: accept, correct or delete them.`,
        dismissible: true,
      });
    }
    this.offerBackup();
    this.showClock();
    this.updateButtons();
    editor.focus();
    mark("editor:rendered");
    requestAnimationFrame(() => mark("editor:painted"));
    this.root.dataset.ready = "true";
    this.root.dispatchEvent(new CustomEvent("editor:ready", { detail: { item: item.id } }));
  }

  /** Stop working on the current item (after its work was saved or deliberately left). */
  close() {
    const current = this.current;
    if (!current) return;
    current.saver.close();
    current.timing.stop();
    current.stopWatching();
    current.editor.destroy();
    this.current = null;
    this.banners.clear();
    this.root.dataset.ready = "false";
    this.keymap = new Keymap();
  }

  /** Save what is unsaved before moving on; false (and the item stays open) when that failed. */
  async leave() {
    const current = this.current;
    if (!current) return true;
    if (current.editor.busy) {
      this.notify("Finish or cancel the shape you are drawing first (Enter or Esc).");
      return false;
    }
    blurField();
    if (current.review) {
      if (current.saver.dirty && !window.confirm("Leave without deciding? Your corrections stay in this browser only."))
        return false;
      return true;
    }
    const saved = await current.saver.flush();
    if (!saved) {
      this.notify("This item has unsaved changes; they were not saved, so the item stays open.");
      return false;
    }
    return true;
  }

  showItemStatus(status) {
    const badge = this.element("editor-item-status");
    badge.hidden = !status;
    if (!status) return;
    badge.className = `badge status-${status}`;
    badge.textContent = statusLabel(status === "draft" ? "in_progress" : status).replace("In progress", "Draft");
  }

  updateButtons() {
    const current = this.current;
    const history = current?.model.history;
    const enable = (id, on) => {
      const button = this.element(id);
      if (button) button.disabled = !on;
    };
    enable("undo-button", Boolean(history?.canUndo) && !current?.readOnly);
    enable("redo-button", Boolean(history?.canRedo) && !current?.readOnly);
    enable("previous-button", this.trail.size > 0);
    if (this.reviewing) {
      enable("skip-button", true);
      enable("accept-button", Boolean(current));
      enable("reject-button", Boolean(current));
      const corrected = this.element("review-correction");
      if (corrected) corrected.hidden = !current?.saver.dirty;
      return;
    }
    const status = current?.saver.annotation?.status;
    enable("submit-button", Boolean(current) && !current.readOnly);
    enable("skip-button", Boolean(current) && status !== "submitted" && status !== "accepted");
    enable("next-button", !current || !current.fromQueue || status === "submitted" || status === "accepted");
  }

  // ---- keyboard -------------------------------------------------------------------------------------------

  buildKeymap() {
    const keymap = new Keymap();
    const current = this.current;
    keymap.add({ keys: ["?"], label: "Show these shortcuts", group: "Help", run: () => this.help.toggle(this.keymap) });
    if (this.reviewing) {
      keymap.add({
        keys: ["Ctrl+Enter"],
        label: "Accept and open the next",
        group: "Review",
        inTextFields: true,
        run: () => this.decide("accept"),
      });
      keymap.add({
        keys: ["Ctrl+Shift+Enter"],
        label: "Reject (needs a comment) and open the next",
        group: "Review",
        inTextFields: true,
        run: () => this.decide("reject"),
      });
      keymap.add({
        keys: ["Ctrl+]"],
        label: "Skip to the next annotation",
        group: "Review",
        run: () => this.skipReview(),
      });
      keymap.add({ keys: ["Ctrl+["], label: "Previous annotation", group: "Review", run: () => this.goPrevious() });
    } else {
      keymap.add({
        keys: ["Ctrl+Enter"],
        label: "Submit and open the next item",
        group: "Navigation",
        inTextFields: true,
        run: () => this.submitAndNext(),
      });
      keymap.add({
        keys: ["Ctrl+s"],
        label: "Save the draft now (it also saves by itself)",
        group: "Navigation",
        inTextFields: true,
        run: () => this.saveNow(),
      });
      keymap.add({
        keys: ["Ctrl+]"],
        label: "Next item from your queue",
        group: "Navigation",
        run: () => this.goNext(),
      });
      keymap.add({ keys: ["Ctrl+["], label: "Previous item", group: "Navigation", run: () => this.goPrevious() });
    }
    if (!current?.readOnly) {
      // Not in the middle of a drag or a half-drawn polygon: the gesture would finish on a changed state.
      const idle = () => Boolean(this.current) && !this.current.editor.busy;
      keymap.add({ keys: ["Ctrl+z"], label: "Undo", group: "Edit", when: idle, run: () => this.current.model.undo() });
      keymap.add({
        keys: ["Ctrl+Shift+z", "Ctrl+y"],
        label: "Redo",
        group: "Edit",
        when: idle,
        run: () => this.current.model.redo(),
      });
    }
    current?.editor.bindKeys(keymap);
    this.keymap = keymap;
  }

  // ---- actions (annotators) -------------------------------------------------------------------------------

  async saveNow() {
    if (!this.current) return;
    blurField();
    const ok = await this.current.saver.save();
    if (ok) this.notify("Saved.");
  }

  async submitAndNext() {
    const current = this.current;
    if (!current || this.busyAction) return;
    if (current.readOnly) {
      await this.goNext();
      return;
    }
    if (current.editor.busy) {
      this.notify("Finish or cancel the shape you are drawing first (Enter or Esc).");
      return;
    }
    blurField();
    this.busyAction = true;
    try {
      this.retry = () => this.submitAndNext();
      const ok = await current.saver.save({ submit: true });
      if (!ok) return;
      current.backup.clear();
      this.trail.push(current.item.id);
      announce("Submitted.");
      await this.next();
    } finally {
      this.busyAction = false;
    }
  }

  async goNext() {
    if (this.reviewing) return this.skipReview();
    const current = this.current;
    const status = current?.saver.annotation?.status;
    if (current && current.fromQueue && status !== "submitted" && status !== "accepted") {
      this.notify("Submit this item first (Ctrl+Enter), or skip it.");
      return;
    }
    if (current) this.trail.push(current.item.id);
    await this.next();
  }

  async goPrevious() {
    const current = this.current;
    const currentId = this.reviewing ? current?.review?.annotation.id : current?.item.id;
    const id = this.trail.pop(currentId);
    if (id === undefined) {
      this.notify("There is nothing before this one.");
      return;
    }
    if (this.reviewing) await this.openReview(id);
    else await this.openItemById(id);
  }

  async skip() {
    const current = this.current;
    if (!current || this.busyAction) return;
    this.busyAction = true;
    try {
      if (!(await this.leave())) return;
      const { time, batch } = current.timing.report();
      await call("POST", this.api.queueSkip, {
        data: time ? { item: current.item.id, time } : { item: current.item.id },
      });
      current.timing.acknowledge(batch);
      current.backup.clear();
      announce("Skipped.");
      this.close();
      await this.next();
    } catch (error) {
      this.banners.show("problem", {
        kind: "error",
        message: `Could not skip: ${error.detail || error.message}`,
        dismissible: true,
      });
    } finally {
      this.busyAction = false;
    }
  }

  // ---- review ---------------------------------------------------------------------------------------------

  async nextReview() {
    if (!(await this.leave())) return;
    this.placeholder("Finding the next annotation to review…");
    try {
      const exclude = new Set([...this.skippedReviews, this.current?.review?.annotation.id]);
      const { body } = await call("GET", this.api.annotations, {
        params: { status: "submitted", is_prediction: "false", page_size: 200 },
      });
      const next = (body.results || []).find((a) => !exclude.has(a.id));
      if (!next) {
        this.showDone("Nothing left to review here.");
        return;
      }
      await this.openReview(next.id);
    } catch (error) {
      this.showLoadError(error, () => this.nextReview());
    }
  }

  async openReview(annotationId) {
    if (this.current && !(await this.leave())) return;
    this.placeholder("Loading…");
    try {
      const { body: annotation, etag } = await call("GET", this.api.annotation(annotationId));
      annotation.version = etag ?? annotation.version;
      const [{ body: item }, { body: session }] = await Promise.all([
        call("GET", this.api.item(annotation.item)),
        call("POST", this.api.sessions, { data: { item: annotation.item } }),
      ]);
      const readOnly = annotation.is_prediction || annotation.status === "draft";
      await this.open({ item, session, fromQueue: false, annotation, review: { annotation, readOnly } });
      this.showReviewPanel(annotation);
    } catch (error) {
      this.showLoadError(error, () => this.openReview(annotationId));
    }
  }

  showReviewPanel(annotation) {
    const panel = this.element("review-panel");
    panel.hidden = false;
    const rows = [
      ["Annotator", annotation.annotator_name],
      ["Status", statusLabel(annotation.status === "draft" ? "in_progress" : annotation.status)],
      ["Version", String(annotation.version)],
      ["Submitted", annotation.submitted_at ? new Date(annotation.submitted_at).toLocaleString() : "—"],
    ];
    if (annotation.review_comment) rows.push(["Last comment", annotation.review_comment]);
    const meta = clear(this.element("review-meta"));
    for (const [term, value] of rows)
      meta.append(h("div", { class: "meta-row" }, h("dt", { text: term }), h("dd", { dir: "auto", text: value })));
    const comment = this.element("review-comment");
    comment.value = "";
    showMessage(this.element("review-comment-error"), "");
    if (annotation.status === "draft") {
      this.banners.show("reason", {
        kind: "info",
        message: "This annotation is still a draft: it can be reviewed once it is submitted.",
      });
    }
    this.element("accept-button").disabled = annotation.status === "draft";
    this.element("reject-button").disabled = annotation.status === "draft";
  }

  async decide(decision) {
    const current = this.current;
    if (!current?.review || this.busyAction) return;
    if (current.editor.busy) {
      this.notify("Finish or cancel the shape you are drawing first (Enter or Esc).");
      return;
    }
    blurField();
    const comment = this.element("review-comment").value.trim();
    const error = this.element("review-comment-error");
    if (decision === "reject" && !comment) {
      showMessage(error, "Say what is wrong: a rejection needs a comment for the annotator.");
      this.element("review-comment").setAttribute("aria-invalid", "true");
      this.element("review-comment").focus();
      return;
    }
    showMessage(error, "");
    this.element("review-comment").removeAttribute("aria-invalid");
    this.busyAction = true;
    this.retry = () => this.decide(decision);
    try {
      await current.timing.ensureSession().catch(() => null);
      const { time, batch } = current.timing.report();
      const body = { decision, comment };
      if (current.saver.dirty) body.regions = regionsToApi(current.model.state.regions);
      if (time) body.time = time;
      const annotation = current.review.annotation;
      await call("POST", this.api.review(annotation.id), { data: body, headers: ifMatch(annotation.version) });
      current.timing.acknowledge(batch);
      current.timing.ended();
      current.backup.clear();
      current.saver.savedRevision = current.model.history.revision;
      this.trail.push(annotation.id);
      announce(decision === "accept" ? "Accepted." : "Rejected and sent back to the annotator.");
      this.close();
      await this.nextReview();
    } catch (failure) {
      if (failure.status === 412) {
        this.showConflict({
          current: failure.body.current,
          version: failure.body.current_version,
          message: failure.detail,
        });
      } else {
        const offline = failure.status === 0 || failure.status >= 500;
        this.showProblem({
          kind: offline ? "offline" : "error",
          message: `Not saved: ${failure.detail || failure.message} Your decision and corrections are kept in this page.`,
        });
      }
    } finally {
      this.busyAction = false;
    }
  }

  skipReview() {
    const id = this.current?.review?.annotation.id;
    if (id) {
      this.skippedReviews.add(id);
      window.sessionStorage.setItem(this.skippedKey(), JSON.stringify([...this.skippedReviews]));
      this.trail.push(id);
    }
    return this.nextReview();
  }

  // ---- saving problems, conflicts and backups --------------------------------------------------------------

  showProblem(problem) {
    if (!problem) {
      this.banners.hide("problem");
      return;
    }
    const retry = () => {
      this.banners.hide("problem");
      if (this.retry && this.current?.saver.status !== "dirty") {
        const again = this.retry;
        this.retry = null;
        again();
      } else this.current?.saver.save().catch(() => {});
    };
    this.banners.show("problem", {
      kind: problem.kind === "offline" ? "warning" : "error",
      message: problem.message,
      actions: [{ label: "Retry now", run: retry, primary: true }],
    });
  }

  showConflict(conflict) {
    this.conflict = conflict;
    const who = conflict.current?.annotator_name;
    const when = conflict.current?.updated_at ? new Date(conflict.current.updated_at).toLocaleString() : null;
    const parts = [`The server now has version ${conflict.version}`];
    if (who) parts.push(`of ${who}'s annotation`);
    if (when) parts.push(`(saved ${when})`);
    this.conflictDialog.querySelector("[data-conflict-message]").textContent =
      `${parts.join(" ")}; this page was editing version ${this.current?.saver.annotation?.version ?? this.current?.review?.annotation.version ?? "—"}.`;
    this.banners.show("problem", {
      kind: "error",
      message: "Not saved: someone else saved this annotation since you opened it.",
      actions: [{ label: "Resolve…", run: () => this.conflictDialog.showModal(), primary: true }],
    });
    if (!this.conflictDialog.open) this.conflictDialog.showModal();
  }

  async resolveConflict(action) {
    const conflict = this.conflict;
    const current = this.current;
    if (this.conflictDialog.open) this.conflictDialog.close();
    if (!conflict || !current || action === "later") return;
    this.conflict = null;
    this.banners.hide("problem");
    if (action === "overwrite") {
      if (current.review) {
        current.review.annotation.version = conflict.version;
        announce("Your version will replace theirs when you decide.");
        return;
      }
      const ok = await current.saver.overwrite(conflict.version, conflict.current?.id ?? conflict.annotationId);
      if (ok) announce("Saved your version.");
      return;
    }
    // Load theirs: the page shows the server's annotation, and the history starts again from it.
    current.backup.clear();
    // The annotator chose to drop their changes: nothing is left to warn about when the page moves on.
    current.saver.savedRevision = current.model.history.revision;
    if (current.review) {
      await this.openReview(current.review.annotation.id);
      return;
    }
    current.saver.close();
    try {
      await this.open({
        item: current.item,
        session: current.timing.session,
        fromQueue: current.fromQueue,
        timing: current.timing,
      });
      announce("Loaded the saved version.");
    } catch (error) {
      this.showLoadError(error, () => this.openItemById(current.item.id));
    }
  }

  /** Unsaved work for this item in this browser's storage (a crash, a closed tab): restore or drop it. */
  offerBackup() {
    const current = this.current;
    const stored = current.backup.read();
    if (!stored || !Array.isArray(stored.regions)) return;
    const serverVersion = current.review
      ? current.review.annotation.version
      : (current.saver.annotation?.version ?? null);
    const sameAsShown = JSON.stringify(stored.regions) === JSON.stringify(regionsToApi(current.model.state.regions));
    if (sameAsShown) {
      current.backup.clear();
      return;
    }
    const when = new Date(stored.saved_at).toLocaleString();
    const restore = () => {
      let regions;
      try {
        regions = stored.regions.map((r) => fromApi(r, current.item));
      } catch {
        this.notify("The saved copy could not be read.");
        return;
      }
      current.model.commit(replaceAll(current.model.state, regions, { label: "Restore unsaved work" }));
      this.banners.show("backup", {
        kind: "info",
        message: `Restored your unsaved changes from ${when}. Undo (Ctrl+Z) takes them back out.`,
        dismissible: true,
      });
    };
    if (stored.base_version === serverVersion) {
      restore();
      return;
    }
    this.banners.show("backup", {
      kind: "warning",
      message: `This browser holds unsaved changes to this item from ${when}, made on an earlier version than the one saved now.`,
      actions: [
        {
          label: "Restore my changes",
          primary: true,
          run: () => {
            this.banners.hide("backup");
            restore();
          },
        },
        {
          label: "Discard them",
          run: () => {
            current.backup.clear();
            this.banners.hide("backup");
          },
        },
      ],
    });
  }
}

/** A performance mark for the UI benchmark (bench/ui.py); harmless where marks are unavailable. */
function mark(name) {
  try {
    performance.mark(name);
  } catch {
    // a faked clock (tests) may not provide marks
  }
}

function blurField() {
  const active = document.activeElement;
  // Leaving a comment field commits its text (its change event) before a save reads the state.
  if (active && isTextField(active) && active.closest("#editor")) active.blur();
}
