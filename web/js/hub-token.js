// The Hugging Face access token: in memory unless the user ticks "remember
// on this device" (then localStorage). Never in the URL, the share links,
// the cache keys or any message.
const KEY = 'vramfit.hf_token';

function storage() {
  try {
    return globalThis.localStorage ?? null;
  } catch {
    return null;
  }
}

export function createTokenStore(store = storage()) {
  let token = store?.getItem(KEY) ?? '';
  let remember = Boolean(token);
  return {
    get: () => token,
    remembered: () => remember,
    set(value, {remember: keep = remember} = {}) {
      token = String(value ?? '').trim();
      remember = keep && Boolean(token);
      try {
        if (remember) store?.setItem(KEY, token);
        else store?.removeItem(KEY);
      } catch {
        remember = false; // storage full or disabled: memory only
      }
    },
    forget() {
      token = '';
      remember = false;
      store?.removeItem(KEY);
    },
  };
}
