// Never lose work: every change is copied to localStorage at once (a crash backup, restored when the item
// is opened again) and saved to the server as a draft a moment later. Saves carry If-Match with the
// version the page has: when someone else saved in between, the server answers 412 and nothing is
// overwritten; the page asks the annotator what to do. Network and server failures keep the work in the
// page, show a banner and retry with backoff.

import { call, ifMatch, newKey } from "./client.js";
import { regionsToApi } from "./regions.js";

const DEBOUNCE_MS = 1500;
const MAX_WAIT_MS = 5000;
const BACKUP_DELAY_MS = 300;
const RETRY_MS = [2000, 4000, 8000, 16000, 30000];
// Bodies a closing tab may still send: browsers refuse keepalive requests above 64 KB.
const KEEPALIVE_LIMIT = 60000;

/** The localStorage copy of one item's unsaved work. */
export class Backup {
  constructor(key) {
    this.key = key;
  }

  read() {
    try {
      const raw = window.localStorage.getItem(this.key);
      return raw ? JSON.parse(raw) : null;
    } catch {
      return null;
    }
  }

  write(value) {
    try {
      window.localStorage.setItem(this.key, JSON.stringify({ ...value, saved_at: Date.now() }));
      return true;
    } catch {
      // Full or disabled storage: the server copy is then the only one; the status says so.
      return false;
    }
  }

  clear() {
    try {
      window.localStorage.removeItem(this.key);
    } catch {
      // nothing to clear
    }
  }
}

export function backupKey({ userId, projectId, itemId, annotationId = null, review = false }) {
  return review
    ? `tandem:v1:${userId}:${projectId}:review:${annotationId}`
    : `tandem:v1:${userId}:${projectId}:item:${itemId}`;
}

export class Saver {
  /**
   * api: projectApi(...); itemId; annotation: {id, version, status} or null; model; timing (WorkTiming);
   * backup (Backup); serverDrafts: save drafts to the server (false in review: corrections go with the
   * decision); onStatus(status, detail); onConflict({current, version, message}); onProblem(problem|null).
   */
  constructor({
    api,
    itemId,
    annotation,
    model,
    timing,
    backup,
    serverDrafts = true,
    onStatus,
    onConflict,
    onProblem,
    onSaved,
  }) {
    this.api = api;
    this.itemId = itemId;
    this.annotation = annotation ? { ...annotation } : null;
    this.model = model;
    this.timing = timing;
    this.backup = backup;
    this.serverDrafts = serverDrafts;
    this.onStatus = onStatus || (() => {});
    this.onConflict = onConflict || (() => {});
    this.onProblem = onProblem || (() => {});
    this.onSaved = onSaved || (() => {});
    this.savedRevision = model.history.revision;
    this.idempotencyKey = newKey();
    this.timer = null;
    this.firstUnsaved = null;
    this.backupTimer = null;
    this.retryTimer = null;
    this.attempt = 0;
    this.inflight = null;
    this.blocked = null; // "conflict" stops saving until the annotator chooses
    this.closed = false;
    this.status = "saved";
  }

  get dirty() {
    return this.model.history.revision !== this.savedRevision;
  }

  setStatus(status, detail = "") {
    this.status = status;
    this.onStatus(status, detail);
  }

  /** After every change: back up soon, save to the server a little later. */
  changed() {
    if (this.closed) return;
    this.scheduleBackup();
    if (!this.blocked) this.setStatus("dirty");
    if (!this.serverDrafts || this.blocked) return;
    const now = Date.now();
    if (this.firstUnsaved === null) this.firstUnsaved = now;
    window.clearTimeout(this.timer);
    const wait = Math.max(0, Math.min(DEBOUNCE_MS, this.firstUnsaved + MAX_WAIT_MS - now));
    this.timer = window.setTimeout(() => this.autosave(), wait);
  }

  /** Save unless a gesture is under way (a polygon half drawn): then look again shortly. */
  autosave() {
    if (this.busy && this.busy()) {
      this.timer = window.setTimeout(() => this.autosave(), 500);
      return;
    }
    this.save().catch(() => {});
  }

  scheduleBackup() {
    if (this.backupTimer !== null) return;
    this.backupTimer = window.setTimeout(() => {
      this.backupTimer = null;
      this.writeBackup();
    }, BACKUP_DELAY_MS);
  }

  writeBackup() {
    if (!this.dirty) {
      this.backup.clear();
      return;
    }
    this.backup.write({
      base_version: this.annotation ? this.annotation.version : null,
      annotation_id: this.annotation ? this.annotation.id : null,
      regions: regionsToApi(this.model.state.regions),
    });
  }

  /** Wait for the save under way, then save what is left; resolves true when everything is on the server. */
  async flush() {
    window.clearTimeout(this.timer);
    if (this.inflight) await this.inflight.catch(() => {});
    if (this.blocked) return false;
    if (this.dirty && this.serverDrafts) return this.save();
    return !this.dirty || !this.serverDrafts;
  }

  /** Save now (a draft, or with `submit`). Resolves true on success, false when it could not. */
  async save({ submit = false } = {}) {
    window.clearTimeout(this.timer);
    window.clearTimeout(this.retryTimer);
    if (this.inflight) await this.inflight.catch(() => {});
    if (this.blocked || this.closed) return false;
    if (!submit && !this.dirty) {
      this.setStatus("saved");
      return true;
    }
    this.inflight = this.send(submit);
    try {
      return await this.inflight;
    } finally {
      this.inflight = null;
    }
  }

  async send(submit, renewedSession = false) {
    const revision = this.model.history.revision;
    const dirty = this.dirty;
    this.setStatus("saving");
    try {
      if (dirty || submit) await this.timing.ensureSession().catch(() => null);
      const { time, batch } = this.timing.report();
      const body = { regions: regionsToApi(this.model.state.regions) };
      if (time) body.time = time;
      if (submit) body.submit = true;
      let response;
      if (!this.annotation) {
        response = await call("POST", this.api.itemAnnotations(this.itemId), {
          data: body,
          headers: { "Idempotency-Key": this.idempotencyKey },
        });
      } else if (submit && !dirty) {
        response = await call("POST", this.api.submit(this.annotation.id), {
          data: time ? { time } : {},
          headers: ifMatch(this.annotation.version),
        });
      } else {
        response = await call("PUT", this.api.annotation(this.annotation.id), {
          data: body,
          headers: ifMatch(this.annotation.version),
        });
      }
      const saved = response.body;
      const replayed = response.headers.get("Idempotent-Replayed") === "true";
      this.annotation = {
        id: saved.id,
        version: saved.version,
        status: saved.status,
        review_comment: saved.review_comment,
      };
      this.timing.acknowledge(batch);
      if (submit) this.timing.ended();
      this.attempt = 0;
      this.onProblem(null);
      if (replayed) {
        // A retry of a create that had already reached the server: that first body is what it holds.
        this.idempotencyKey = newKey();
        return this.send(submit);
      }
      this.savedRevision = revision;
      this.firstUnsaved = null;
      this.writeBackup();
      this.setStatus(this.dirty ? "dirty" : "saved");
      this.onSaved(this.annotation);
      if (this.dirty && this.serverDrafts) this.changed();
      return true;
    } catch (error) {
      return this.failed(error, submit, renewedSession);
    }
  }

  async failed(error, submit, renewedSession) {
    const status = error.status ?? 0;
    const sessionProblem = error.errors && error.errors["time.session"];
    if (sessionProblem && !renewedSession) {
      // The session ended (submitted elsewhere, or the item was reviewed): time goes to a new one.
      this.timing.ended();
      return this.send(submit, true);
    }
    if (status === 412) {
      const current = error.body.current;
      this.block({ current, version: error.body.current_version, message: error.detail });
      return false;
    }
    if (status === 409 && !this.annotation && error.body.annotation) {
      // This user's annotation of the item was created elsewhere (another tab): same choice as a conflict.
      try {
        const { body } = await call("GET", this.api.annotation(error.body.annotation));
        this.block({ current: body, version: body.version, message: error.detail });
      } catch {
        this.block({
          current: null,
          version: error.body.version,
          message: error.detail,
          annotationId: error.body.annotation,
        });
      }
      return false;
    }
    this.writeBackup();
    if (status === 0 || status >= 500 || status === 429) {
      const wait = RETRY_MS[Math.min(this.attempt, RETRY_MS.length - 1)];
      this.attempt += 1;
      this.setStatus("offline");
      this.onProblem({
        kind: "offline",
        message:
          status === 0
            ? "Not saved: the server cannot be reached. Your work is kept in this page and in this browser, and will be saved when the connection is back."
            : `Not saved: the server failed (${status}). Your work is kept in this page and in this browser; saving again shortly.`,
        retryIn: wait,
      });
      if (!submit) this.retryTimer = window.setTimeout(() => this.save().catch(() => {}), wait);
      return false;
    }
    this.setStatus("error");
    const fields = Object.entries(error.errors || {})
      .slice(0, 3)
      .map(([field, messages]) => `${field}: ${[].concat(messages).join(" ")}`);
    this.onProblem({
      kind: "error",
      message: `Not saved: ${error.detail}${fields.length ? ` (${fields.join("; ")})` : ""} Your work is kept in this page.`,
    });
    return false;
  }

  block(conflict) {
    this.blocked = "conflict";
    this.setStatus("conflict");
    this.writeBackup();
    this.onConflict(conflict);
  }

  /** The annotator chose to keep their version: save it over `version` (what the server has now). */
  overwrite(version, annotationId = null) {
    this.blocked = null;
    if (!this.annotation) this.annotation = { id: annotationId, version, status: "draft" };
    this.annotation.version = version;
    if (annotationId) this.annotation.id = annotationId;
    // Count the page as changed even if it matches what was last saved: the server has something else.
    this.savedRevision = -1;
    return this.save();
  }

  /** Stop saving (the page moves to another item, or reloads the server's version). */
  close() {
    this.closed = true;
    window.clearTimeout(this.timer);
    window.clearTimeout(this.retryTimer);
    window.clearTimeout(this.backupTimer);
  }

  /** The tab is closing: write the backup now and try a last save small enough for a keepalive request. */
  lastChance() {
    if (!this.dirty || this.closed) return;
    window.clearTimeout(this.backupTimer);
    this.backupTimer = null;
    this.writeBackup();
    if (!this.serverDrafts || this.blocked || this.inflight || !this.annotation) return;
    const body = { regions: regionsToApi(this.model.state.regions) };
    const { time } = this.timing.report();
    if (time) body.time = time;
    if (JSON.stringify(body).length > KEEPALIVE_LIMIT) return;
    call("PUT", this.api.annotation(this.annotation.id), {
      data: body,
      headers: ifMatch(this.annotation.version),
      keepalive: true,
    }).catch(() => {});
  }
}
