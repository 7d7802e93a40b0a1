// Undo and redo as a stack of commands over one plain state object ({regions: [...]}).
//
// A command is {label, apply(state), revert(state), changes}: `apply` and `revert` must be exact
// inverses and safe to repeat. `changes` says which regions a command creates, edits or deletes, so the
// editor can log time events and redraw only what moved. Tools that show a change live while the
// pointer moves (dragging a box) change the state directly and then `record` the finished command.

import { clone } from "./regions.js";

export class History {
  constructor(state, { onChange = () => {}, limit = 500 } = {}) {
    this.state = state;
    this.onChange = onChange;
    this.limit = limit;
    this.done = [];
    this.undone = [];
    // Rises with every change, undo or redo: the autosave compares it with the last saved one.
    this.revision = 0;
  }

  execute(command) {
    command.apply(this.state);
    this.record(command);
  }

  /** Add a command whose effect is already in the state. */
  record(command) {
    this.done.push(command);
    if (this.done.length > this.limit) this.done.shift();
    this.undone.length = 0;
    this.revision += 1;
    this.onChange(command, "do");
  }

  undo() {
    const command = this.done.pop();
    if (!command) return null;
    command.revert(this.state);
    this.undone.push(command);
    this.revision += 1;
    this.onChange(command, "undo");
    return command;
  }

  redo() {
    const command = this.undone.pop();
    if (!command) return null;
    command.apply(this.state);
    this.done.push(command);
    this.revision += 1;
    this.onChange(command, "redo");
    return command;
  }

  get canUndo() {
    return this.done.length > 0;
  }

  get canRedo() {
    return this.undone.length > 0;
  }
}

function indexOfKey(regions, key) {
  for (let index = 0; index < regions.length; index += 1) if (regions[index].key === key) return index;
  return -1;
}

export function findRegion(state, key) {
  const index = indexOfKey(state.regions, key);
  return index < 0 ? null : state.regions[index];
}

/** Add regions (at the end, drawn on top). */
export function addRegions(regions, { label = "Add", tool = null } = {}) {
  return {
    label,
    changes: { created: regions.map((r) => r.key), tool },
    apply(state) {
      for (const region of regions) if (indexOfKey(state.regions, region.key) < 0) state.regions.push(region);
    },
    revert(state) {
      const keys = new Set(regions.map((r) => r.key));
      state.regions = state.regions.filter((r) => !keys.has(r.key));
    },
  };
}

/** Delete regions; undo puts them back where they were in the drawing order. */
export function removeRegions(state, keys, { label = "Delete", tool = null } = {}) {
  const wanted = new Set(keys);
  const removed = [];
  state.regions.forEach((region, index) => {
    if (wanted.has(region.key)) removed.push({ region, index });
  });
  return {
    label,
    changes: { deleted: removed.map((r) => r.region.key), tool },
    apply(current) {
      current.regions = current.regions.filter((r) => !wanted.has(r.key));
    },
    revert(current) {
      for (const { region, index } of removed) {
        if (indexOfKey(current.regions, region.key) < 0) current.regions.splice(index, 0, region);
      }
    },
  };
}

/**
 * Change fields of regions: `edits` is [{key, before: {...}, after: {...}}] with the same field names.
 * Arrays in before/after are copied on every apply so later in-place edits cannot reach the history.
 */
export function updateRegions(edits, { label = "Edit", tool = null } = {}) {
  const assign = (state, side) => {
    for (const edit of edits) {
      const region = findRegion(state, edit.key);
      if (!region) continue;
      for (const [name, value] of Object.entries(edit[side])) region[name] = copyValue(value);
    }
  };
  return {
    label,
    changes: { edited: edits.map((e) => e.key), tool },
    apply: (state) => assign(state, "after"),
    revert: (state) => assign(state, "before"),
  };
}

function copyValue(value) {
  if (Array.isArray(value)) return value.map(copyValue);
  return value;
}

/** Replace a rectangle of a mask's pixels (a brush or eraser stroke). */
export function editMask(key, rect, before, after, { label = "Paint", tool = null, created = false } = {}) {
  const write = (state, bytes) => {
    const region = findRegion(state, key);
    if (region) region.mask.write(rect, bytes);
  };
  return {
    label,
    changes: created ? { created: [key], tool } : { edited: [key], tool },
    apply: (state) => write(state, after),
    revert: (state) => write(state, before),
  };
}

/** Replace every region at once (restoring a backup, taking a reviewer's correction back). */
export function replaceAll(state, regions, { label = "Replace" } = {}) {
  const before = state.regions;
  const beforeKeys = new Set(before.map((r) => r.key));
  const afterKeys = new Set(regions.map((r) => r.key));
  return {
    label,
    changes: {
      created: [...afterKeys].filter((k) => !beforeKeys.has(k)),
      edited: [...afterKeys].filter((k) => beforeKeys.has(k)),
      deleted: [...beforeKeys].filter((k) => !afterKeys.has(k)),
    },
    apply(current) {
      current.regions = regions.slice();
    },
    revert(current) {
      current.regions = before.slice();
    },
  };
}

/** Several commands as one undo step. */
export function compose(commands, { label = commands[0]?.label ?? "Edit" } = {}) {
  const changes = { created: [], edited: [], deleted: [], tool: null };
  for (const command of commands) {
    for (const name of ["created", "edited", "deleted"]) changes[name].push(...(command.changes[name] || []));
    changes.tool = changes.tool || command.changes.tool;
  }
  return {
    label,
    changes,
    apply(state) {
      for (const command of commands) command.apply(state);
    },
    revert(state) {
      for (const command of [...commands].reverse()) command.revert(state);
    },
  };
}

export function cloneRegions(regions) {
  return regions.map(clone);
}
