/**
 * How a call's input and output are shown: indented JSON, with the images a notebook answered
 * (data URLs) drawn as images and named in the text instead of their base64.
 */

/** A value ready to show: its text, and the images it held. */
export interface ShownValue {
  text: string;
  images: { label: string; src: string }[];
}

/** The image data URLs the worker writes for notebook outputs (png, jpeg, gif, webp, svg). */
const IMAGE_URL = /^data:image\/(png|jpeg|gif|webp|svg\+xml);base64,[A-Za-z0-9+/]+=*$/;

/** Whether `value` is an image as a data URL, safe to set as an `<img>` source. */
export function isImageUrl(value: unknown): value is string {
  return typeof value === 'string' && IMAGE_URL.test(value);
}

/** `value` as indented JSON, each image replaced by `[image n]` and listed with that label. */
export function showValue(value: unknown): ShownValue {
  if (value === undefined || value === null) return { text: '', images: [] };
  const images: ShownValue['images'] = [];
  const text = JSON.stringify(
    value,
    (_key, v: unknown) => {
      if (!isImageUrl(v)) return v;
      const label = `[image ${images.length + 1}]`;
      images.push({ label, src: v });
      return label;
    },
    2,
  );
  // A top-level string is shown as its text, not as a JSON string literal.
  return { text: typeof value === 'string' && images.length === 0 ? value : text, images };
}

/** A call id short enough for a heading (the first 8 hex digits, as git abbreviates). */
export function shortCallId(id: string): string {
  return id.slice(0, 8);
}
