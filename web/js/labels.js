// Labels and order of the core's phases and memory components, read from the
// catalogue (core/src/memory registry): the page holds no core id itself.

/** Human label of a phase id; the id itself only if the catalogue lacks it. */
export function phaseLabel(catalog, id) {
  return catalog?.phases?.find((p) => p.id === id)?.label ?? String(id);
}

/** Component ids in registry order (stable colour slots). */
export function componentOrder(catalog) {
  return (catalog?.components ?? []).map((c) => String(c.id));
}
