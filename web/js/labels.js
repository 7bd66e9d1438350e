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

/** Label of a response `verdict` ("no" -> "does not fit"), from catalog.verdicts. */
export function verdictLabel(catalog, id) {
  return catalog?.verdicts?.find((v) => v.id === id)?.label ?? String(id);
}

/** Label of a dtype id ("nf4" -> "NF4 (bitsandbytes, double quant)"), from catalog.dtypes. */
export function dtypeLabel(catalog, id) {
  return catalog?.dtypes?.find((d) => d.id === id)?.label ?? String(id);
}

/** Display name of a GPU vendor id ("nvidia" -> "NVIDIA"), from catalog.gpu_vendors. */
export function vendorLabel(catalog, id) {
  return catalog?.gpu_vendors?.find((v) => v.id === id)?.label ?? String(id);
}

/** GPUs the response's layout runs on (its `layout`): figures are per GPU when above 1. */
export function layoutGpus(r) {
  const n = r?.layout?.gpus;
  return Number.isInteger(n) && n > 1 ? n : 1;
}
