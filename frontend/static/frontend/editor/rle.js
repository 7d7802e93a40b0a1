// COCO run-length encoding of binary masks, as labeling/rle.py writes it: counts run over the mask in
// column-major order and start with a (possibly empty) run of zeros; the compressed string is COCO's
// rleToString (5-bit groups from '0', bit 0x20 = more groups, counts from the fourth on as deltas).

/** Counts of a row-major mask buffer (non-zero = foreground) of width x height, in column-major order. */
export function encode(data, width, height) {
  const counts = [];
  let current = 0;
  let run = 0;
  for (let x = 0; x < width; x += 1) {
    for (let index = x; index < width * height; index += width) {
      const value = data[index] ? 1 : 0;
      if (value !== current) {
        counts.push(run);
        run = 0;
        current = value;
      }
      run += 1;
    }
  }
  counts.push(run);
  return counts;
}

/** Fill a row-major Uint8Array (1 = foreground) from counts; throws when they do not cover width x height. */
export function decode(counts, width, height, out = new Uint8Array(width * height)) {
  let total = 0;
  for (const count of counts) total += count;
  if (total !== width * height) throw new Error(`Run lengths sum to ${total}, not ${width * height}.`);
  let position = 0;
  for (let index = 0; index < counts.length; index += 1) {
    const end = position + counts[index];
    if (index % 2 === 1) {
      for (let p = position; p < end; p += 1) {
        const x = Math.floor(p / height);
        const y = p - x * height;
        out[y * width + x] = 1;
      }
    }
    position = end;
  }
  return out;
}

export function toString(counts) {
  let out = "";
  for (let index = 0; index < counts.length; index += 1) {
    // Numbers stay below 2^31 for any image this app accepts, so 32-bit shifts are exact.
    let value = counts[index] - (index > 2 ? counts[index - 2] : 0);
    let more = true;
    while (more) {
      let group = value & 0x1f;
      value >>= 5;
      more = group & 0x10 ? value !== -1 : value !== 0;
      if (more) group |= 0x20;
      out += String.fromCharCode(group + 48);
    }
  }
  return out;
}

export function fromString(text) {
  const counts = [];
  let position = 0;
  while (position < text.length) {
    let value = 0;
    let shift = 0;
    let more = true;
    while (more) {
      if (position >= text.length) throw new Error("The compressed counts end in the middle of a number.");
      const code = text.charCodeAt(position) - 48;
      if (code < 0 || code > 63) throw new Error(`Character ${text[position]} is not part of COCO's RLE alphabet.`);
      value |= (code & 0x1f) << shift;
      more = Boolean(code & 0x20);
      position += 1;
      shift += 5;
      if (!more && code & 0x10) value |= -1 << shift;
    }
    if (counts.length > 2) value += counts[counts.length - 2];
    counts.push(value);
  }
  return counts;
}
