// COCO's compressed RLE string (the annotation API's mask format) to a mask, as labeling/rle.py writes it.

/** Counts from COCO's compressed string: 5-bit groups, low first, 0x20 = more follows, 0x10 of the last = sign. */
export function countsFromString(text) {
  const counts = [];
  let position = 0;
  while (position < text.length) {
    let value = 0;
    let groups = 0;
    let more = true;
    while (more) {
      const code = text.charCodeAt(position) - 48;
      // Multiplication, not shifts: JavaScript shifts wrap at 32 bits and counts can need 35.
      value += (code & 0x1f) * 2 ** (5 * groups);
      more = (code & 0x20) !== 0;
      position += 1;
      groups += 1;
      if (!more && code & 0x10) value -= 2 ** (5 * groups);
    }
    if (counts.length > 2) value += counts[counts.length - 2];
    counts.push(value);
  }
  return counts;
}

/** Paint the mask's foreground into RGBA pixels (column-major runs, starting with background). */
export function paintMask(imageData, counts, height, rgb, alpha = 110) {
  const { data, width } = imageData;
  let index = 0;
  for (let run = 0; run < counts.length; run += 1) {
    const length = counts[run];
    if (run % 2 === 1) {
      for (let k = index; k < index + length; k += 1) {
        const row = k % height;
        const column = Math.floor(k / height);
        const offset = (row * width + column) * 4;
        data[offset] = rgb[0];
        data[offset + 1] = rgb[1];
        data[offset + 2] = rgb[2];
        data[offset + 3] = alpha;
      }
    }
    index += length;
  }
}
