// Translations for the page scripts. The server renders each catalogue the page needs, in the
// official's language, as <script type="application/json" data-catalogue="name"> (the
// {% js_catalogue %} tag); `t(key, values)` looks a word up in all of them and fills
// %(name)s placeholders, as Django's own strings do. An unknown key is shown as itself.

const words = {};
for (const node of document.querySelectorAll('script[type="application/json"][data-catalogue]')) {
  Object.assign(words, JSON.parse(node.textContent));
}

export function format(template, values = {}) {
  return String(template).replace(/%\((\w+)\)s/g, (_, key) => values[key] ?? "");
}

export function t(key, values = {}) {
  return format(words[key] ?? key, values);
}

export const language = document.documentElement.lang || "id";
