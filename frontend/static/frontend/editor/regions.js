// Regions as the editor holds them, and their conversion to and from the API's shape.
// A region is a plain object {key, kind, label_class, comment, confidence, ...geometry}; masks carry a
// MaskBitmap in `mask`. Keys are the client's stable ids (time events name regions by key).

import { MaskBitmap } from "./mask.js";

export const SHAPE_KINDS = ["bbox", "polygon", "mask"];
export const KIND_LABELS = {
  bbox: "Box",
  polygon: "Polygon",
  mask: "Mask",
  image_class: "Image class",
  text_class: "Text class",
  text_span: "Span",
};
// The prefix of keys of regions copied from a model's predictions: while such a region keeps its
// model confidence it is shown as a suggestion; accepting or editing it makes it the annotator's own.
export const PREDICTION_PREFIX = "pred-";

let counter = 0;
export function newRegionKey() {
  counter += 1;
  return `r${Date.now().toString(36)}${counter.toString(36)}${Math.random().toString(36).slice(2, 6)}`;
}

const round = (value) => Math.round(value * 100) / 100;

export function fromApi(raw, item) {
  const region = {
    key: raw.key,
    kind: raw.kind,
    label_class: raw.label_class,
    comment: raw.comment || "",
    confidence: raw.confidence ?? null,
  };
  if (raw.kind === "bbox") Object.assign(region, { x: raw.x, y: raw.y, width: raw.width, height: raw.height });
  else if (raw.kind === "polygon") {
    region.points = raw.points.map(([x, y]) => [x, y]);
    region.holes = (raw.holes || []).map((ring) => ring.map(([x, y]) => [x, y]));
  } else if (raw.kind === "mask") region.mask = MaskBitmap.fromRle(raw.rle, item.width, item.height);
  else if (raw.kind === "text_span") Object.assign(region, { start: raw.start, end: raw.end });
  return region;
}

/** The API's shape; null for a region that cannot be saved (an empty mask). */
export function toApi(region) {
  const out = { key: region.key, kind: region.kind, label_class: region.label_class, comment: region.comment || "" };
  if (region.confidence !== null && region.confidence !== undefined) out.confidence = region.confidence;
  if (region.kind === "bbox") {
    Object.assign(out, {
      x: round(region.x),
      y: round(region.y),
      width: round(region.width),
      height: round(region.height),
    });
  } else if (region.kind === "polygon") {
    out.points = region.points.map(([x, y]) => [round(x), round(y)]);
    if (region.holes && region.holes.length)
      out.holes = region.holes.map((ring) => ring.map(([x, y]) => [round(x), round(y)]));
  } else if (region.kind === "mask") {
    if (!region.mask.area()) return null;
    out.rle = region.mask.toRle();
  } else if (region.kind === "text_span") Object.assign(out, { start: region.start, end: region.end });
  return out;
}

export function regionsToApi(regions) {
  return regions.map(toApi).filter(Boolean);
}

export function clone(region) {
  const copy = { ...region };
  if (region.points) copy.points = region.points.map((p) => [...p]);
  if (region.holes) copy.holes = region.holes.map((ring) => ring.map((p) => [...p]));
  if (region.mask) copy.mask = region.mask.clone();
  return copy;
}

export function isPending(region) {
  return region.key.startsWith(PREDICTION_PREFIX) && region.confidence !== null && region.confidence !== undefined;
}

/** Copies of a model's predictions as the annotator's regions, with keys that say where they came from. */
export function fromPredictions(annotations, item) {
  const regions = [];
  for (const annotation of annotations) {
    annotation.regions.forEach((raw, index) => {
      const region = fromApi(raw, item);
      region.key = `${PREDICTION_PREFIX}${annotation.id}-${index}`;
      // A prediction without a confidence is still a suggestion until accepted.
      if (region.confidence === null) region.confidence = 1;
      regions.push(region);
    });
  }
  return regions;
}

// ---- geometry -------------------------------------------------------------------------------------

export function polygonArea(points) {
  let sum = 0;
  for (let i = 0, j = points.length - 1; i < points.length; j = i, i += 1) {
    sum += points[j][0] * points[i][1] - points[i][0] * points[j][1];
  }
  return Math.abs(sum) / 2;
}

export function area(region) {
  if (region.kind === "bbox") return region.width * region.height;
  if (region.kind === "polygon") {
    return polygonArea(region.points) - (region.holes || []).reduce((sum, ring) => sum + polygonArea(ring), 0);
  }
  if (region.kind === "mask") return region.mask.area();
  return null;
}

/** [x0, y0, x1, y1] in image pixels, or null for regions without geometry. */
export function bounds(region) {
  if (region.kind === "bbox") return [region.x, region.y, region.x + region.width, region.y + region.height];
  if (region.kind === "polygon") {
    let x0 = Infinity;
    let y0 = Infinity;
    let x1 = -Infinity;
    let y1 = -Infinity;
    for (const [x, y] of region.points) {
      if (x < x0) x0 = x;
      if (y < y0) y0 = y;
      if (x > x1) x1 = x;
      if (y > y1) y1 = y;
    }
    return [x0, y0, x1, y1];
  }
  if (region.kind === "mask") {
    const box = region.mask.bounds();
    return box ? [box[0], box[1], box[0] + box[2], box[1] + box[3]] : null;
  }
  return null;
}

export function pointInRing(x, y, ring) {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i, i += 1) {
    const [xi, yi] = ring[i];
    const [xj, yj] = ring[j];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

export function contains(region, x, y) {
  if (region.kind === "bbox") {
    return x >= region.x && x <= region.x + region.width && y >= region.y && y <= region.y + region.height;
  }
  if (region.kind === "polygon") {
    return pointInRing(x, y, region.points) && !(region.holes || []).some((ring) => pointInRing(x, y, ring));
  }
  if (region.kind === "mask") return Boolean(region.mask.at(x, y));
  return false;
}

/** The geometry fields of a region (what a move or resize changes), copied. */
export function geometry(region) {
  if (region.kind === "bbox") return { x: region.x, y: region.y, width: region.width, height: region.height };
  if (region.kind === "polygon") {
    return { points: region.points.map((p) => [...p]), holes: (region.holes || []).map((r) => r.map((p) => [...p])) };
  }
  if (region.kind === "text_span") return { start: region.start, end: region.end };
  return {};
}

export function translate(region, geometryBefore, dx, dy, imageWidth, imageHeight) {
  if (region.kind === "bbox") {
    region.x = clamp(geometryBefore.x + dx, 0, imageWidth - geometryBefore.width);
    region.y = clamp(geometryBefore.y + dy, 0, imageHeight - geometryBefore.height);
  } else if (region.kind === "polygon") {
    const xs = geometryBefore.points.map((p) => p[0]);
    const ys = geometryBefore.points.map((p) => p[1]);
    const ddx = clamp(dx, -Math.min(...xs), imageWidth - Math.max(...xs));
    const ddy = clamp(dy, -Math.min(...ys), imageHeight - Math.max(...ys));
    region.points = geometryBefore.points.map(([x, y]) => [x + ddx, y + ddy]);
    region.holes = geometryBefore.holes.map((ring) => ring.map(([x, y]) => [x + ddx, y + ddy]));
  }
}

export function clamp(value, low, high) {
  return value < low ? low : value > high ? high : value;
}

export function formatArea(value) {
  if (value === null || value === undefined) return "";
  if (value >= 1e6) return `${(value / 1e6).toFixed(2)} Mpx`;
  return `${Math.round(value).toLocaleString()} px`;
}
