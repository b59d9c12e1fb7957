// Small helpers the dashboard's modules share: building elements, and saying times and ids as
// people read them. No dependencies: the page is served as is, without a build step.

export const $ = (selector) => document.querySelector(selector);

/** An element with attributes (`class`, `data-*` and `aria-*` as attributes, the rest as properties) and children. */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined) continue;
    if (key === 'class') node.className = value;
    else if (key.startsWith('data-') || key.startsWith('aria-')) node.setAttribute(key, value);
    else node[key] = value;
  }
  for (const child of children.flat())
    if (child != null) node.append(child instanceof Node ? child : String(child));
  return node;
}

export function seconds(from) {
  if (!from) return undefined;
  return Math.max(0, Math.round((Date.now() - Date.parse(from)) / 1000));
}

export function duration(s) {
  if (s === undefined) return '';
  if (s >= 3600) return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
  if (s >= 60) return `${Math.floor(s / 60)}m ${s % 60}s`;
  return `${s}s`;
}

export function ago(iso) {
  const s = seconds(iso);
  return s === undefined ? '' : `${duration(s)} ago`;
}

/** A time of day with the date when it is not today, as the browser's locale writes it. */
export function when(iso) {
  const date = new Date(iso);
  return date.toDateString() === new Date().toDateString()
    ? date.toLocaleTimeString()
    : date.toLocaleString();
}

/** A run's short id: the last 8 characters of its ULID (random, so unique), as `pushline runs` shows it. */
export function shortId(id) {
  return id.slice(-8);
}

/** A status as words: `timed_out` → `timed out`. */
export function words(status) {
  return status.replaceAll('_', ' ');
}
