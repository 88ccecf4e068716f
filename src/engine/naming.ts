// Automatic layer names as Keras makes them: the class name in snake_case, then _1, _2, ... for later instances.
const uids = new Map<string, number>();

/** Keras `to_snake_case`: "SimpleDense" → "simple_dense", "Conv2D" → "conv2d". */
export function toSnakeCase(name: string): string {
  return name.replace(/\W+/g, '').replace(/(.)([A-Z][a-z]+)/g, '$1_$2').replace(/([a-z])([A-Z])/g, '$1_$2')
    .toLowerCase();
}

/** The next unique name for `base`: base, base_1, base_2, ... */
export function uniqueName(base: string): string {
  const n = uids.get(base) ?? 0;
  uids.set(base, n + 1);
  return n === 0 ? base : `${base}_${n}`;
}
