// An optimizer's state as container entries: its own variables ("optimizer/vars/iteration", ".../learning_rate")
// and its slots keyed by the index of the model weight they belong to ("optimizer/slots/<index>/<slot>"), so that
// a freshly compiled copy of the model, whose optimizer has no slots yet, restores them.
import { SavingError, fmtShape } from '../core/errors.js';
import { tensor } from '../ops/creation.js';
import type { Variable } from '../core/variable.js';
import type { LayerWeight } from '../engine/layer-weight.js';
import type { Optimizer } from '../optimizers/optimizer.js';
import type { Container, ContainerEntry } from './container.js';
import { describeWeight } from './weights.js';

const VARS = 'optimizer/vars/';
const SLOTS = 'optimizer/slots/';

const entryOf = (name: string, v: Variable): ContainerEntry =>
  ({ name, dtype: v.dtype, shape: [...v.shape], data: v.peek().dataSync() });

// The optimizer's variables that are not slots, by their name without the optimizer's prefix.
function ownVariables(optimizer: Optimizer, weights: readonly LayerWeight[]): Map<string, Variable> {
  const slots = new Set(weights.flatMap((w) => [...optimizer.slotsOf(w).values()]));
  const prefix = `${optimizer.name}/`;
  return new Map(optimizer.variables.filter((v) => !slots.has(v))
    .map((v) => [v.name.startsWith(prefix) ? v.name.slice(prefix.length) : v.name, v]));
}

/** The entries of the optimizer's state; `weights` are the model's weights in saving order. */
export function optimizerEntries(optimizer: Optimizer, weights: readonly LayerWeight[]): ContainerEntry[] {
  const out = [...ownVariables(optimizer, weights)].map(([key, v]) => entryOf(`${VARS}${key}`, v));
  weights.forEach((w, i) => {
    for (const [slot, v] of optimizer.slotsOf(w)) out.push(entryOf(`${SLOTS}${i}/${slot}`, v));
  });
  return out;
}

/** True when the container holds optimizer state. */
export function hasOptimizerState(c: Container): boolean {
  return [...c.entries.keys()].some((k) => k.startsWith(VARS));
}

/**
 * Checks the optimizer state of the file against `optimizer` and the model's `weights` and returns the function
 * that assigns it. The optimizer is built (its slots created, as its first update would) for the weights that have
 * slots in the file, so that their names can be checked; no value changes until the returned function runs.
 */
export function planOptimizerRestore(file: string, optimizer: Optimizer, weights: readonly LayerWeight[],
                                     c: Container): () => void {
  const cls = optimizer.constructor.name;
  const pairs: [Variable, ContainerEntry][] = [];
  const slotted = new Set<number>();
  for (const e of c.entries.values()) {
    if (!e.name.startsWith(SLOTS)) continue;
    const [index] = e.name.slice(SLOTS.length).split('/');
    const i = Number(index);
    if (!Number.isInteger(i) || i < 0 || i >= weights.length)
      throw new SavingError(`${file}: optimizer entry "${e.name}" names weight ${index}, the model has ` +
        `${weights.length} weights`);
    slotted.add(i);
  }
  optimizer.build(weights.filter((_, i) => slotted.has(i)));
  const own = ownVariables(optimizer, weights);
  for (const e of c.entries.values()) {
    let v: Variable | undefined, what: string;
    if (e.name.startsWith(VARS)) {
      const key = e.name.slice(VARS.length);
      v = own.get(key);
      what = `variable "${key}"`;
    } else if (e.name.startsWith(SLOTS)) {
      const [index, ...rest] = e.name.slice(SLOTS.length).split('/');
      const w = weights[Number(index)];
      v = optimizer.slotsOf(w).get(rest.join('/'));
      what = `slot "${rest.join('/')}" of ${describeWeight(w.name)}`;
    } else continue;
    if (!v) throw new SavingError(`${file}: the saved optimizer state has ${what}, which ${cls} "${optimizer.name}" ` +
      `does not have (was the model compiled with another optimizer?)`);
    if (e.dtype !== v.dtype || e.shape.length !== v.shape.length || e.shape.some((d, k) => d !== v!.shape[k]))
      throw new SavingError(`${file}: optimizer ${what}: expected ${v.dtype} ${fmtShape(v.shape)}, the file has ` +
        `${e.dtype} ${fmtShape(e.shape)}`);
    pairs.push([v, e]);
  }
  return () => { for (const [v, e] of pairs) v.assign(tensor(e.data, [...e.shape], e.dtype)); };
}
