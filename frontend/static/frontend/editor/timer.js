// Active labelling time and the per-region events that go with it.
//
// The clock runs while the annotator works: every input (pointer, key, wheel) keeps it running for up to
// the project's idle threshold; with no input for longer than that it stops, and the silence beyond the
// threshold is not counted. A hidden tab stops it at once. Time is counted with performance.now(), which
// cannot jump with the wall clock (and which Playwright's clock control can drive in tests).

const INPUT_EVENTS = ["pointerdown", "pointermove", "keydown", "wheel", "input"];

export class ActiveTimer {
  constructor({ idleThresholdMs, now = () => performance.now() }) {
    this.idleThresholdMs = idleThresholdMs;
    this.now = now;
    this.accumulated = 0;
    this.lastInput = null; // time of the last input while counting; null when stopped
    this.startedAt = now();
    this.running = false;
  }

  /** Called on every input: counts the time since the previous input, up to the idle threshold. */
  touch() {
    if (!this.running) return;
    const now = this.now();
    if (this.lastInput !== null) this.accumulated += Math.min(now - this.lastInput, this.idleThresholdMs);
    this.lastInput = now;
  }

  /** Stop counting (tab hidden, item closed): the current stretch counts up to the threshold. */
  pause() {
    if (this.lastInput !== null) {
      this.accumulated += Math.min(this.now() - this.lastInput, this.idleThresholdMs);
      this.lastInput = null;
    }
  }

  start() {
    this.running = true;
  }

  stop() {
    this.pause();
    this.running = false;
  }

  /** Milliseconds of active time so far (whole milliseconds, as the API wants). */
  activeMs() {
    let total = this.accumulated;
    if (this.lastInput !== null) total += Math.min(this.now() - this.lastInput, this.idleThresholdMs);
    return Math.round(total);
  }

  /** Milliseconds since the timer (the work session) started, by this page's clock. */
  sinceStart(time = this.now()) {
    return Math.max(0, Math.round(time - this.startedAt));
  }
}

/** Listen for input on `target` and feed the timer; pause it while the tab is hidden. Returns a remover. */
export function watchActivity(timer, target = document) {
  const onInput = () => timer.touch();
  const onVisibility = () => {
    if (document.visibilityState === "hidden") timer.pause();
  };
  for (const name of INPUT_EVENTS) target.addEventListener(name, onInput, { capture: true, passive: true });
  document.addEventListener("visibilitychange", onVisibility);
  return () => {
    for (const name of INPUT_EVENTS) target.removeEventListener(name, onInput, { capture: true });
    document.removeEventListener("visibilitychange", onVisibility);
  };
}

/**
 * Region events (created, edited, deleted) with tool, class and duration, waiting to be reported with
 * the next save. Each keeps the performance.now() time it started at; the report converts that to
 * `started_at_ms` from the start of the session it is reported on.
 */
export class EventLog {
  constructor(limitPerReport = 5000) {
    this.events = [];
    this.limitPerReport = limitPerReport;
  }

  add(event) {
    this.events.push(event);
  }

  /** The next report's events (oldest first: the server flags reports out of order), as the API wants them. */
  pending(sessionStartedAt) {
    const batch = [...this.events].sort((a, b) => a.at - b.at).slice(0, this.limitPerReport);
    return {
      batch,
      events: batch.map(({ at, ...event }) => ({
        ...event,
        started_at_ms: Math.max(0, Math.round(at - sessionStartedAt)),
      })),
    };
  }

  /** Forget events the server has stored. */
  acknowledge(batch) {
    const reported = new Set(batch);
    this.events = this.events.filter((event) => !reported.has(event));
  }

  get size() {
    return this.events.length;
  }
}

/**
 * The work session an item is timed in, its active-time clock and its event log. Submitting (or skipping,
 * or reviewing) ends the session on the server; further work on the page opens a new one.
 */
export class WorkTiming {
  constructor({ idleThresholdMs, session = null, openSession }) {
    this.idleThresholdMs = idleThresholdMs;
    this.openSession = openSession;
    this.log = new EventLog();
    this.earlierMs = 0; // active time of this page's earlier sessions on the item
    this.begin(session);
  }

  begin(session) {
    this.session = session;
    const running = this.timer?.running;
    this.timer = new ActiveTimer({ idleThresholdMs: this.idleThresholdMs });
    if (running !== false) this.timer.start();
  }

  touch() {
    this.timer.touch();
  }

  pause() {
    this.timer.pause();
  }

  stop() {
    this.timer.stop();
  }

  /** Active milliseconds on this item in this page (all sessions), for the annotator's clock. */
  totalMs() {
    return this.earlierMs + this.timer.activeMs();
  }

  /** The session ended on the server (submit, skip, review): later work needs a new one. */
  ended() {
    if (!this.session) return;
    this.earlierMs += this.timer.activeMs();
    this.session = null;
  }

  async ensureSession() {
    if (this.session) return this.session;
    const session = await this.openSession();
    this.begin(session);
    return session;
  }

  /** {time, batch}: the API's time report and the events it carries (to acknowledge after a success). */
  report() {
    if (!this.session) return { time: null, batch: [] };
    const { batch, events } = this.log.pending(this.timer.startedAt);
    return { time: { session: this.session.id, active_ms: this.timer.activeMs(), events }, batch };
  }

  acknowledge(batch) {
    this.log.acknowledge(batch);
  }
}

export function formatDuration(ms) {
  const seconds = Math.floor(ms / 1000);
  const hours = Math.floor(seconds / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  const rest = String(seconds % 60).padStart(2, "0");
  return hours ? `${hours}:${String(minutes).padStart(2, "0")}:${rest}` : `${minutes}:${rest}`;
}
