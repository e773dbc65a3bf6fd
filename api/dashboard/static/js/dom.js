// Building DOM without innerHTML: every text from the API (titles, notes) goes in as text, so a
// petition's content can never become markup.
import { t } from "./i18n.js";

/** h("a", {href, class, onclick, dataset: {...}}, child, ...) → an element. */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(props ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "class") el.className = value;
    else if (name === "dataset") Object.assign(el.dataset, value);
    else if (name.startsWith("on")) el.addEventListener(name.slice(2), value);
    else if (value === true) el.setAttribute(name, "");
    else el.setAttribute(name, String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function replaceChildren(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

const SVG_NS = "http://www.w3.org/2000/svg";

export function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value !== undefined && value !== null) el.setAttribute(name, String(value));
  }
  append(el, children);
  return el;
}

export { formatTime } from "./time.js"; // the one way a time is written (Asia/Shanghai)

export function formatPercent(share) {
  if (share === null || share === undefined || Number.isNaN(share)) return "—";
  return `${(share * 100).toFixed(1)}%`;
}

/** A link inside the page: navigates without reloading (see main.js). */
export function link(href, ...children) {
  return h("a", { href, dataset: { link: "" } }, ...children);
}

const MAX_TOASTS = 3;

/** A short message in the corner; alerts stay longer. */
export function toast(text, { kind = "info", onclick, seconds = 6 } = {}) {
  const box = document.getElementById("toasts");
  const el = h("div", { class: `toast toast-${kind}`, role: "status" }, text);
  el.addEventListener("click", () => {
    el.remove();
    onclick?.();
  });
  box.prepend(el);
  // A burst of alerts shows the newest few; the list on the page keeps them all.
  for (const old of [...box.children].slice(MAX_TOASTS)) old.remove();
  setTimeout(() => el.remove(), seconds * 1000);
}

export function loading() {
  return h("p", { class: "muted" }, t("loading"));
}

export function newIdempotencyKey() {
  if (globalThis.crypto?.randomUUID) return crypto.randomUUID();
  // Plain-HTTP intranet origins are not "secure contexts" and lack randomUUID.
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
