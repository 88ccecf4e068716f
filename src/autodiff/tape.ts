// GradientTape: records eager ops whose inputs it watches, then runs the primitives' gradient rules backwards.
// The rules are written in public ops, so an outer tape records the backward pass of an inner one
// (higher-order gradients), and compiler/autodiff applies the same rules to FuncGraphs.
import { ValueError } from '../core/errors.js';
import { Tensor } from '../core/tensor.js';
import { Variable, addVariableObserver } from '../core/variable.js';
import { setTapeHook } from '../ops/dispatch.js';
import { add } from '../ops/prims/binary.js';
import { backpropagate, type TapeEntry } from './backprop.js';
import { cast } from '../ops/prims/cast.js';
import { ones } from '../ops/creation.js';
import { isFloat } from '../core/dtype.js';

/** What gradients can be taken with respect to. */
export type GradientSource = Tensor | Variable;

/** Options of a GradientTape (as tf.GradientTape). */
export interface GradientTapeOptions {
  /** Allow several gradient() calls (default false). */
  persistent?: boolean;
  /** Watch trainable variables read while recording (default true). */
  watchAccessedVariables?: boolean;
}

const active: GradientTape[] = [];

/** Records operations for automatic differentiation (reverse mode). */
export class GradientTape {
  private readonly watched = new Set<number>();
  private readonly variableReads = new Map<Variable, Set<number>>();
  private entries: TapeEntry[] = [];
  private used = false;
  readonly persistent: boolean;
  readonly watchAccessedVariables: boolean;

  constructor(options: GradientTapeOptions = {}) {
    this.persistent = options.persistent ?? false;
    this.watchAccessedVariables = options.watchAccessedVariables ?? true;
  }

  /** Runs `fn` with this tape recording and returns its result. */
  record<T>(fn: () => T): T {
    active.push(this);
    try {
      return fn();
    } finally {
      const i = active.lastIndexOf(this);
      if (i >= 0) active.splice(i, 1);
    }
  }

  /** Watches tensors or variables (constants are not watched unless asked). */
  watch(...xs: (GradientSource | GradientSource[])[]): void {
    for (const x of xs.flat()) {
      if (x instanceof Variable) this.noteVariable(x, x.peek());
      else this.watched.add(x.id);
    }
  }

  /** @internal */
  noteVariable(v: Variable, value: Tensor): void {
    this.watched.add(value.id);
    let ids = this.variableReads.get(v);
    if (!ids) this.variableReads.set(v, (ids = new Set()));
    ids.add(value.id);
  }

  /** @internal */
  isWatched(t: Tensor): boolean {
    return this.watched.has(t.id);
  }

  /** @internal */
  push(entry: TapeEntry): void {
    this.entries.push(entry);
    for (const o of entry.outputs) this.watched.add(o.id);
  }

  /**
   * Gradients of `target` (summed if not scalar) with respect to `sources`, in the same structure
   * (a single source, an array, or a record). Sources that the target does not depend on give null.
   */
  gradient(target: Tensor, sources: GradientSource, outputGradient?: Tensor): Tensor | null;
  gradient(target: Tensor, sources: GradientSource[], outputGradient?: Tensor): (Tensor | null)[];
  gradient(target: Tensor, sources: Record<string, GradientSource>, outputGradient?: Tensor): Record<string, Tensor | null>;
  gradient(target: Tensor, sources: GradientSource | GradientSource[] | Record<string, GradientSource>,
           outputGradient?: Tensor): unknown {
    if (this.used && !this.persistent)
      throw new ValueError('GradientTape.gradient: a non-persistent tape can compute gradients only once ' +
        '(create it with {persistent: true})');
    this.used = true;
    const grads = this.backprop(target, outputGradient);
    const one = (s: GradientSource): Tensor | null => {
      if (s instanceof Variable) {
        let acc: Tensor | null = null;
        for (const id of this.variableReads.get(s) ?? []) {
          const g = grads.get(id);
          if (g) acc = acc ? add(acc, g) : g;
        }
        return acc;
      }
      if (!(s instanceof Tensor)) throw new ValueError(`GradientTape.gradient: sources must be Tensors or Variables`);
      return grads.get(s.id) ?? null;
    };
    const result = Array.isArray(sources) ? sources.map(one)
      : sources instanceof Tensor || sources instanceof Variable ? one(sources)
      : Object.fromEntries(Object.entries(sources).map(([k, v]) => [k, one(v)]));
    if (!this.persistent) this.entries = [];
    return result;
  }

  private backprop(target: Tensor, seed?: Tensor): Map<number, Tensor> {
    const grads = new Map<number, Tensor>();
    if (!isFloat(target.dtype)) return grads;
    grads.set(target.id, seed ? cast(seed, target.dtype) : ones(target.shape, target.dtype));
    // This tape must not record its own backward pass; outer tapes do (higher-order gradients).
    const at = active.lastIndexOf(this);
    if (at >= 0) active.splice(at, 1);
    try {
      backpropagate(this.entries, grads, (x) => this.watched.has(x.id));
    } finally {
      if (at >= 0) active.splice(at, 0, this);
    }
    return grads;
  }
}

setTapeHook({
  get active() {
    return active.length > 0;
  },
  record(prim, inputs, outputs, attrs) {
    for (const tape of active)
      if (inputs.some((x) => tape.isWatched(x))) tape.push({ prim, inputs, outputs, attrs });
  },
});

addVariableObserver({
  onRead(v, value) {
    for (const tape of active) if (tape.watchAccessedVariables && v.trainable) tape.noteVariable(v, value);
  },
});

/** Blocks gradients: the identity in value, a constant for every tape. */
export { stopGradient } from '../ops/prims/stop-gradient.js';
