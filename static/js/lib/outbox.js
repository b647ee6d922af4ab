// The offline outbox, shared by the official's tabs: what was written and is not yet
// acknowledged by the server, kept across reloads and lost connections. Each item is its own
// storage key, written and removed only by itself, so no tab can overwrite another's items;
// an item storage refuses (full, private mode) is kept in memory. Every item has a
// `client_id` (newClientId()); sent twice (two tabs, a reconnect), it is stored once by the
// server. `onChange` runs when this tab or another changes the outbox.
//
//   const outbox = createOutbox(store, { name: "outbox", onChange });
//   outbox.items() (oldest first), outbox.put(item), outbox.remove(clientId)

export function createOutbox(store, { name = "outbox", onChange = () => {} } = {}) {
  const prefix = store.key(`${name}.`);
  const memory = new Map();

  function items() {
    const found = new Map(memory);
    try {
      for (let i = 0; i < localStorage.length; i++) {
        const key = localStorage.key(i);
        if (!key || !key.startsWith(prefix)) continue;
        try {
          const item = JSON.parse(localStorage.getItem(key));
          if (item && item.client_id) found.set(item.client_id, item);
        } catch { /* a damaged entry: skip it */ }
      }
    } catch { /* no storage: memory only */ }
    return [...found.values()].sort((a, b) => (a.created || 0) - (b.created || 0));
  }

  function put(item) {
    try {
      localStorage.setItem(prefix + item.client_id, JSON.stringify(item));
      memory.delete(item.client_id);
    } catch {
      memory.set(item.client_id, item);
    }
    onChange();
  }

  function remove(clientId) {
    memory.delete(clientId);
    try { localStorage.removeItem(prefix + clientId); } catch { /* memory only */ }
    onChange();
  }

  (function migrate() { // the single-key outbox of earlier versions
    const legacy = store.get(name, null);
    if (!Array.isArray(legacy)) return;
    try {
      for (const item of legacy) {
        if (item && item.client_id) localStorage.setItem(prefix + item.client_id, JSON.stringify(item));
      }
      localStorage.removeItem(store.key(name));
    } catch { /* kept where it was: read again next time */ }
  }());

  window.addEventListener("storage", (event) => {
    if (event.key === null || event.key.startsWith(prefix)) onChange();
  });

  return { items, put, remove };
}

// A random UUID (version 4), also where crypto.randomUUID is missing (plain http).
export function newClientId() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
