// Colour slots for components. A component's preferred slot is its place in
// the catalogue's component list (`order`), so a part keeps its colour as
// inputs change; within one chart no two parts share a slot (a taken slot
// moves to the next free one). Slots map to CSS --c0..--c11.
export const SLOTS = 12;

function hashSlot(id) {
  let hash = 7;
  for (const ch of String(id)) hash = (hash * 31 + ch.charCodeAt(0)) >>> 0;
  return hash % SLOTS;
}

/** ids (in drawing order), catalogue component ids -> Map id -> CSS colour. */
export function assignColors(ids, order = []) {
  const used = new Set();
  const out = new Map();
  for (const id of ids) {
    const known = order.indexOf(id);
    let slot = known >= 0 ? known % SLOTS : hashSlot(id);
    for (let i = 0; i < SLOTS && used.has(slot); i += 1) slot = (slot + 1) % SLOTS;
    used.add(slot);
    out.set(id, `var(--c${slot})`);
  }
  return out;
}
