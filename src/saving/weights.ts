// A model's weights as container entries, and their validated restore. Entries are named
// "weights/<index>/<weight path>" in model order (`model.weights`: trainable and non-trainable); loading matches
// them by position, so a freshly built copy of the architecture (with other layer names) loads them too.
import { SavingError, fmtShape } from '../core/errors.js';
import { tensor } from '../ops/creation.js';
import type { LayerWeight } from '../engine/layer-weight.js';
import type { Model } from '../engine/model.js';
import type { Container, ContainerEntry } from './container.js';

const PREFIX = 'weights/';

/** The container entries of `weights`, in order. */
export function weightEntries(weights: readonly LayerWeight[]): ContainerEntry[] {
  return weights.map((w, i) => ({ name: `${PREFIX}${i}/${w.name}`, dtype: w.dtype, shape: [...w.shape],
    data: w.peek().dataSync() }));
}

/** How messages name a weight: layer "dense" weight "kernel". */
export function describeWeight(path: string): string {
  const cut = path.lastIndexOf('/');
  return cut < 0 ? `weight "${path}"` : `layer "${path.slice(0, cut)}" weight "${path.slice(cut + 1)}"`;
}

/** The weight entries of a container, by index. */
function weightEntriesOf(file: string, c: Container): ContainerEntry[] {
  const found: ContainerEntry[] = [];
  for (const e of c.entries.values()) {
    if (!e.name.startsWith(PREFIX)) continue;
    const index = Number(e.name.slice(PREFIX.length).split('/')[0]);
    if (!Number.isInteger(index) || index < 0 || found[index] !== undefined)
      throw new SavingError(`${file}: entry "${e.name}" does not name a weight index`);
    found[index] = e;
  }
  for (let i = 0; i < found.length; i++)
    if (!found[i]) throw new SavingError(`${file}: weight ${i} is missing (entries skip from ${i - 1} to ${i + 1})`);
  return found;
}

/**
 * Checks every weight of `model` against the file (count, dtype, shape) and returns the function that assigns them
 * all; nothing is assigned until every check has passed, so a bad file never half-loads.
 */
export function planWeightRestore(file: string, model: Model, c: Container): () => void {
  const weights = model.weights;
  const label = `${model.constructor.name} "${model.name}"`;
  if (weights.length > 0 && !model.built)
    throw new SavingError(`${file}: ${label} is not built, so its weights do not exist yet; call it on a batch ` +
      `of data first`);
  const entries = weightEntriesOf(file, c);
  if (entries.length !== weights.length)
    throw new SavingError(`${file}: the file has ${entries.length} weights, ${label} has ${weights.length} ` +
      `(${weights.map((w) => w.name).join(', ') || 'none'})`);
  weights.forEach((w, i) => {
    const e = entries[i];
    const saved = e.name.slice(PREFIX.length).split('/').slice(1).join('/');
    const same = e.shape.length === w.shape.length && e.shape.every((d, k) => d === w.shape[k]);
    if (!same || e.dtype !== w.dtype)
      throw new SavingError(`${file}: ${label} ${describeWeight(w.name)}: expected ${w.dtype} ${fmtShape(w.shape)}, ` +
        `the file has ${e.dtype} ${fmtShape(e.shape)} (saved as "${saved}")`);
  });
  return () => weights.forEach((w, i) => w.assign(tensor(entries[i].data, [...entries[i].shape], entries[i].dtype)));
}
