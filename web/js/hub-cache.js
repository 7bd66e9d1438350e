// What the page fetched from the Hub, kept in localStorage so a model seen
// once works offline next time. Bounded (entries and bytes, oldest dropped
// first); entries fetched with a token that is not remembered are kept in
// memory only, so nothing obtained with it outlives the tab.
const KEY = 'vramfit.hub.v1';
const MAX_ENTRIES = 40;
const MAX_CHARS = 1_500_000; // localStorage holds ~5 M UTF-16 chars per origin

function storage() {
  try {
    return globalThis.localStorage ?? null; // throws when storage is disabled
  } catch {
    return null;
  }
}

export function createHubCache(store = storage()) {
  const memory = new Map();

  function load() {
    try {
      const v = JSON.parse(store?.getItem(KEY) ?? '{}');
      return v && typeof v === 'object' && !Array.isArray(v) ? v : {};
    } catch {
      return {};
    }
  }

  function save(all) {
    if (!store) return;
    let keys = Object.keys(all).sort((a, b) => (all[b].saved ?? 0) - (all[a].saved ?? 0));
    keys = keys.slice(0, MAX_ENTRIES);
    for (;;) {
      const text = JSON.stringify(Object.fromEntries(keys.map((k) => [k, all[k]])));
      if (text.length <= MAX_CHARS || keys.length <= 1) {
        try {
          store.setItem(KEY, text);
        } catch {
          if (keys.length <= 1) return; // quota: give up quietly, memory still works
          keys = keys.slice(0, -1);
          continue;
        }
        return;
      }
      keys = keys.slice(0, -1);
    }
  }

  return {
    /** The entry for a key ({config, checkpoint, ..., saved}) or undefined. */
    get(key) {
      return memory.get(key) ?? load()[key];
    },
    /** Stores an entry; `persist` false keeps it in this tab only. */
    set(key, entry, {persist = true} = {}) {
      const value = {...entry, saved: Date.now()};
      if (!persist) {
        memory.set(key, value);
        return;
      }
      memory.delete(key);
      const all = load();
      all[key] = value;
      save(all);
    },
    delete(key) {
      memory.delete(key);
      const all = load();
      if (key in all) {
        delete all[key];
        save(all);
      }
    },
    clear() {
      memory.clear();
      store?.removeItem(KEY);
    },
    size() {
      return new Set([...memory.keys(), ...Object.keys(load())]).size;
    },
  };
}
