// Drawing an image with its regions (boxes, polygons, masks, image classes) on a canvas, and a text with
// its spans. Class names are drawn as canvas text and inserted as text nodes: never as HTML.

import { h, safeColour } from "../frontend/dom.js";
import { countsFromString, paintMask } from "./rle.js";

function rgbOf(colour) {
  const hex = safeColour(colour).slice(1);
  return [0, 2, 4].map((start) => Number.parseInt(hex.slice(start, start + 2), 16));
}

export function classLookup(classes) {
  return new Map(classes.map((entry) => [entry.id, entry]));
}

function loadImage(source) {
  return new Promise((resolve, reject) => {
    const image = new Image();
    image.addEventListener("load", () => resolve(image));
    image.addEventListener("error", () => reject(new Error("The preview image could not be shown.")));
    image.src = source;
  });
}

/** Draw `view` ({image, width, height, regions}) on a new canvas; resolves with the canvas. */
export async function drawImageView(view, classes) {
  const canvas = h("canvas", { width: view.width, height: view.height });
  const context = canvas.getContext("2d");
  context.drawImage(await loadImage(view.image), 0, 0, view.width, view.height);
  const line = Math.max(1.5, Math.round(Math.max(view.width, view.height) / 250));
  const masks = view.regions.filter((region) => region.kind === "mask");
  if (masks.length) {
    const overlay = context.createImageData(view.width, view.height);
    for (const region of masks) {
      const [height] = region.rle.size;
      paintMask(overlay, countsFromString(region.rle.counts), height, rgbOf(classes.get(region.label_class)?.color));
    }
    const layer = h("canvas", { width: view.width, height: view.height });
    layer.getContext("2d").putImageData(overlay, 0, 0);
    context.drawImage(layer, 0, 0);
  }
  context.lineWidth = line;
  context.font = `${Math.max(11, line * 6)}px system-ui, sans-serif`;
  context.textBaseline = "top";
  const tags = [];
  for (const region of view.regions) {
    const colour = safeColour(classes.get(region.label_class)?.color);
    context.strokeStyle = colour;
    if (region.kind === "bbox") {
      context.strokeRect(region.x, region.y, region.width, region.height);
    } else if (region.kind === "polygon") {
      context.beginPath();
      for (const ring of [region.points, ...(region.holes || [])]) {
        ring.forEach(([x, y], index) => (index ? context.lineTo(x, y) : context.moveTo(x, y)));
        context.closePath();
      }
      context.stroke();
    } else if (region.kind === "image_class") {
      tags.push([classes.get(region.label_class)?.name ?? `class ${region.label_class}`, colour, region.confidence]);
    }
  }
  tags.forEach(([name, colour, confidence], index) => {
    const label = confidence ? `${name} ${Math.round(confidence * 100)}%` : name;
    const y = 4 + index * (line * 6 + 8);
    context.fillStyle = "rgb(0 0 0 / 60%)";
    context.fillRect(4, y, context.measureText(label).width + 8, line * 6 + 6);
    context.fillStyle = colour;
    context.fillText(label, 8, y + 3);
  });
  return canvas;
}

/** A sentence describing the regions, for the figure caption (what the canvas shows, as text). */
export function describeRegions(regions, classes) {
  if (!regions.length) return "no labels";
  const counts = new Map();
  for (const region of regions) {
    const name = classes.get(region.label_class)?.name ?? `class ${region.label_class}`;
    const key = `${region.kind.replace("_", " ")} ${name}`;
    counts.set(key, (counts.get(key) || 0) + 1);
  }
  return Array.from(counts, ([key, count]) => (count > 1 ? `${count}× ${key}` : key)).join(", ");
}

/** A text with its spans as <mark> elements coloured by class (text nodes only). */
export function textView(view, classes) {
  const paragraph = h("p", { class: "preview-text", dir: "auto" });
  const spans = view.regions.filter((region) => region.kind === "text_span").sort((a, b) => a.start - b.start);
  let position = 0;
  for (const span of spans) {
    if (span.start < position) continue; // overlapping spans: the first one is shown
    paragraph.append(view.text.slice(position, span.start));
    const entry = classes.get(span.label_class);
    const mark = h("mark", { title: entry?.name ?? "", text: view.text.slice(span.start, span.end) });
    mark.style.backgroundColor = `${safeColour(entry?.color)}55`;
    paragraph.append(mark);
    position = span.end;
  }
  paragraph.append(view.text.slice(position));
  return paragraph;
}
