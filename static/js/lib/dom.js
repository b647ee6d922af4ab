// Small DOM helpers shared by the page scripts: one element builder, one query shorthand, and
// the key that sends what a text box holds.
// `el("a", { href, class: "x", text: "label", onclick }, child…)` builds without innerHTML,
// so text from the server or the user is never parsed as markup.

export const $ = (selector, root = document) => root.querySelector(selector);

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children) {
    if (child !== null && child !== undefined) node.append(child);
  }
  return node;
}

// Enter sends, Shift+Enter is a new line; on touch screens Enter is a new line (their
// keyboards have no Shift+Enter) and the Send button sends. Never while an IME composes.
const coarsePointer = window.matchMedia("(pointer: coarse)");
export function entersSend(event) {
  return event.key === "Enter" && !event.shiftKey && !event.isComposing && !coarsePointer.matches;
}
