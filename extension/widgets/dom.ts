/** Attributes for `el`: `class`, `aria-*`, `title`… as strings; events as `on<Event>`. */
type Attrs = Record<string, string | boolean | ((e: Event) => void) | undefined>;

/**
 * Creates an element. Text children are text nodes (never parsed as HTML), so values from
 * the gateway — names, inputs, error messages — cannot inject markup.
 */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  children: (Node | string | null | undefined)[] = [],
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    if (typeof value === 'function') node.addEventListener(key.slice(2).toLowerCase(), value);
    else node.setAttribute(key, value === true ? '' : value);
  }
  for (const child of children) {
    if (child === null || child === undefined) continue;
    node.append(typeof child === 'string' ? document.createTextNode(child) : child);
  }
  return node;
}
