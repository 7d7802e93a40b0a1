// Brush and eraser for masks. A stroke paints whole image pixels (those whose centre lies within half
// the brush size of the pointer's path) into the selected mask of the active class, or into a new mask
// region; the eraser clears them from the selected masks, or from every visible unlocked mask when none
// is selected. One stroke is one undo step that stores only the rectangle it touched.

import { addRegions, compose, editMask, removeRegions } from "../history.js";
import { MaskBitmap } from "../mask.js";
import { newRegionKey } from "../regions.js";

export function createBrushTool(editor, { erase = false } = {}) {
  let stroke = null;
  let pointer = null;

  const paint = (from, to) => {
    const radius = editor.brushSize / 2;
    for (const target of stroke.targets) {
      const rect = target.region.mask.paintSegment(from.x, from.y, to.x, to.y, radius, erase ? 0 : 1);
      if (!rect) continue;
      const r = target.rect;
      target.rect = r
        ? {
            x0: Math.min(r.x0, rect.x0),
            y0: Math.min(r.y0, rect.y0),
            x1: Math.max(r.x1, rect.x1),
            y1: Math.max(r.y1, rect.y1),
          }
        : rect;
    }
    editor.redraw();
  };

  const targetsForErase = () => {
    const selected = [...editor.selection].map((key) => editor.region(key)).filter((r) => r && r.kind === "mask");
    const pool = selected.length ? selected : editor.visibleRegions().filter((r) => r.kind === "mask");
    return pool.filter((r) => !editor.isLocked(r.key) && !editor.isHidden(r.key));
  };

  const targetForPaint = (classId) => {
    const selected = [...editor.selection].map((key) => editor.region(key));
    if (selected.length === 1 && selected[0] && selected[0].kind === "mask" && selected[0].label_class === classId) {
      if (!editor.isLocked(selected[0].key)) return { region: selected[0], created: false };
    }
    const { width, height } = editor.item;
    const region = {
      key: newRegionKey(),
      kind: "mask",
      label_class: classId,
      comment: "",
      confidence: null,
      mask: new MaskBitmap(width, height),
    };
    return { region, created: true };
  };

  return {
    name: erase ? "eraser" : "brush",
    label: erase ? "Eraser" : "Brush",
    cursor: "none",
    get busy() {
      return Boolean(stroke);
    },
    down(event, point) {
      let targets;
      let created = null;
      if (erase) targets = targetsForErase();
      else {
        const classId = editor.classFor("mask");
        if (classId === null) return true;
        const target = targetForPaint(classId);
        targets = [target.region];
        if (target.created) created = target.region;
      }
      if (!targets.length) {
        editor.notify("Nothing to erase: select a mask, or paint one first.");
        return true;
      }
      stroke = {
        targets: targets.map((region) => ({ region, before: region.mask.data.slice(), rect: null })),
        created,
        last: point,
        started: performance.now(),
      };
      // Show the new mask while it is painted; the finished stroke adds it to the history.
      if (created) editor.state.regions.push(created);
      paint(point, point);
      return true;
    },
    move(event, point) {
      pointer = point;
      if (stroke) {
        paint(stroke.last, point);
        stroke.last = point;
      } else editor.redraw();
    },
    up() {
      if (!stroke) return;
      const { targets, created, started } = stroke;
      stroke = null;
      if (created) editor.state.regions.pop();
      const commands = [];
      const emptied = [];
      for (const target of targets) {
        if (!target.rect) continue;
        const { region, rect } = target;
        const width = region.mask.width;
        const before = new Uint8Array((rect.x1 - rect.x0) * (rect.y1 - rect.y0));
        for (let y = rect.y0; y < rect.y1; y += 1) {
          before.set(
            target.before.subarray(y * width + rect.x0, y * width + rect.x1),
            (y - rect.y0) * (rect.x1 - rect.x0),
          );
        }
        const after = region.mask.read(rect);
        if (before.every((value, index) => value === after[index])) continue;
        commands.push(
          editMask(region.key, rect, before, after, {
            label: erase ? "Erase" : "Paint",
            tool: erase ? "eraser" : "brush",
          }),
        );
        if (erase && !region.mask.area()) emptied.push(region.key);
      }
      if (created) {
        if (!commands.length) return editor.redraw();
        const add = addRegions([created], { label: "Paint mask", tool: "brush" });
        // Adding the region and then writing the stroke's pixels: undo clears them and removes the region.
        editor.commit(compose([add, ...commands], { label: "Paint mask" }), started);
        editor.select([created.key]);
        return;
      }
      if (emptied.length) commands.push(removeRegions(editor.state, emptied, { label: "Erase", tool: "eraser" }));
      if (commands.length) editor.commit(compose(commands, { label: erase ? "Erase" : "Paint" }), started);
      else editor.redraw();
    },
    cancel() {
      if (stroke) {
        for (const target of stroke.targets)
          target.region.mask.write(
            { x0: 0, y0: 0, x1: target.region.mask.width, y1: target.region.mask.height },
            target.before,
          );
        if (stroke.created) editor.state.regions.pop();
      }
      stroke = null;
      editor.redraw();
    },
    leave() {
      pointer = null;
      editor.redraw();
    },
    draw(ctx, stage) {
      if (!pointer) return;
      const radius = Math.max(1, (editor.brushSize / 2) * stage.view.scale);
      ctx.lineWidth = 1.5;
      ctx.strokeStyle = "#ffffff";
      ctx.beginPath();
      ctx.arc(pointer.sx, pointer.sy, radius, 0, Math.PI * 2);
      ctx.stroke();
      ctx.strokeStyle = erase ? "#000000" : editor.colour(editor.activeClass);
      ctx.setLineDash([3, 3]);
      ctx.beginPath();
      ctx.arc(pointer.sx, pointer.sy, radius, 0, Math.PI * 2);
      ctx.stroke();
      ctx.setLineDash([]);
    },
  };
}
