// The builder's state is one plain object, `{config}`; every edit is a command on it. A step is found by
// its path, the list of indexes from the top (e.g. [2, 0] is the first child of the third step), which is
// also how the API names it in errors ("config.steps[2].steps[0]").

export const GROUP_TYPES = new Set(["one_of", "some_of", "sequence"]);

export function errorPath(path) {
  return `config.${path.map((index) => `steps[${index}]`).join(".")}`;
}

export function stepAt(config, path) {
  let list = config.steps;
  let step = null;
  for (const index of path) {
    step = list[index];
    list = step?.steps ?? [];
  }
  return step;
}

function listAt(config, parentPath) {
  return parentPath.length ? stepAt(config, parentPath).steps : config.steps;
}

export const commands = {
  add(config, parentPath, step) {
    listAt(config, parentPath).push(step);
    return [...parentPath, listAt(config, parentPath).length - 1];
  },
  remove(config, path) {
    listAt(config, path.slice(0, -1)).splice(path[path.length - 1], 1);
  },
  /** Move a step up (-1) or down (+1) among its siblings; returns its new path, or null at an end. */
  move(config, path, delta) {
    const list = listAt(config, path.slice(0, -1));
    const from = path[path.length - 1];
    const to = from + delta;
    if (to < 0 || to >= list.length) return null;
    [list[from], list[to]] = [list[to], list[from]];
    return [...path.slice(0, -1), to];
  },
  setParam(config, path, name, value) {
    const step = stepAt(config, path);
    if (value === undefined) delete step[name];
    else step[name] = value;
  },
  /** Put sibling steps into a new group at the place of the first; returns the group's path. */
  group(config, paths, kind) {
    const parent = paths[0].slice(0, -1);
    const indexes = paths.map((path) => path[path.length - 1]).sort((a, b) => a - b);
    const list = listAt(config, parent);
    const children = indexes.map((index) => list[index]);
    for (const index of [...indexes].reverse()) list.splice(index, 1);
    const group = { type: kind, p: 1, steps: children };
    if (kind === "some_of") Object.assign(group, { n: 1, replace: false });
    list.splice(indexes[0], 0, group);
    return [...parent, indexes[0]];
  },
  /** Replace a group by its children. */
  ungroup(config, path) {
    const list = listAt(config, path.slice(0, -1));
    const index = path[path.length - 1];
    list.splice(index, 1, ...list[index].steps);
  },
};

export function sameParent(paths) {
  if (!paths.length) return false;
  const parent = JSON.stringify(paths[0].slice(0, -1));
  return paths.every((path) => JSON.stringify(path.slice(0, -1)) === parent);
}
