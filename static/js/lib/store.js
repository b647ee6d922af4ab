// What a page keeps in the browser for one official: JSON values in localStorage under
// "rakor.<username>.<name>", so two officials sharing a browser never read each other's.
// Never throws: storage may be full or refused (a private window); a read then gives the
// fallback and a write answers false.
//
//   const store = createStore(username);
//   store.get("drafts", {}); store.set("drafts", drafts); store.key("outbox.") (the full key)

export function createStore(username) {
  const key = (name) => `rakor.${username}.${name}`;
  return {
    key,
    get(name, fallback) {
      try { return JSON.parse(localStorage.getItem(key(name))) ?? fallback; } catch { return fallback; }
    },
    set(name, value) {
      try { localStorage.setItem(key(name), JSON.stringify(value)); return true; } catch { return false; }
    },
  };
}
