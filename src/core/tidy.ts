import { Tensor, popScope, pushScope, track } from './tensor.js';

function collect(x: unknown, into: Set<Tensor>): void {
  if (x instanceof Tensor) into.add(x);
  else if (Array.isArray(x)) for (const v of x) collect(v, into);
  else if (x && typeof x === 'object' && Object.getPrototypeOf(x) === Object.prototype)
    for (const v of Object.values(x)) collect(v, into);
}

/**
 * Runs `fn` and disposes every tensor created inside it except those it returns (in arrays or plain objects),
 * which move to the enclosing scope. Not needed for correctness (GC reclaims memory); it releases memory now.
 */
export function tidy<T>(fn: () => T): T {
  pushScope();
  let created: Tensor[] = [];
  let result: T;
  try {
    result = fn();
  } finally {
    created = popScope();
  }
  const keep = new Set<Tensor>();
  collect(result, keep);
  for (const t of created) {
    if (keep.has(t)) track(t);
    else t.dispose();
  }
  return result;
}
