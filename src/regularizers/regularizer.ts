// Weight regularizers (keras.regularizers): a penalty computed from a weight, added to the layer's losses.
import { ValueError } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';
import { abs, square } from '../ops/prims/unary.js';
import { add, mul } from '../ops/prims/binary.js';
import { sum } from '../ops/prims/reduce.js';
import { zeros } from '../ops/creation.js';
import type { Config } from '../engine/registry.js';

/** Base class of regularizers: `apply(x)` gives the scalar penalty for `x`. */
export abstract class Regularizer {
  /** The penalty for `x` (a scalar of x's dtype). */
  abstract apply(x: Tensor): Tensor;

  /** The constructor options as JSON. */
  abstract getConfig(): Config;

  /** Rebuilds a regularizer from its config. */
  static fromConfig<T extends Regularizer>(this: new (config: never) => T, config: Config): T {
    return new (this as unknown as new (c: Config) => T)(config);
  }
}

// Keras `validate_float_arg`: factors are finite and non-negative.
function factor(cls: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0)
    throw new ValueError(`${cls}: ${name} must be a non-negative finite number, got ${v}`);
  return v;
}

/** Options of L1. */
export interface L1Options {
  /** The factor (default 0.01). */
  l1?: number;
}

/** l1 · Σ|x|. */
export class L1 extends Regularizer {
  readonly l1: number;
  constructor({ l1 = 0.01 }: L1Options = {}) {
    super();
    this.l1 = factor('L1', 'l1', l1);
  }
  apply(x: Tensor): Tensor {
    return mul(sum(abs(x)), this.l1);
  }
  getConfig(): Config {
    return { l1: this.l1 };
  }
}

/** Options of L2. */
export interface L2Options {
  /** The factor (default 0.01). */
  l2?: number;
}

/** l2 · Σx². */
export class L2 extends Regularizer {
  readonly l2: number;
  constructor({ l2 = 0.01 }: L2Options = {}) {
    super();
    this.l2 = factor('L2', 'l2', l2);
  }
  apply(x: Tensor): Tensor {
    return mul(sum(square(x)), this.l2);
  }
  getConfig(): Config {
    return { l2: this.l2 };
  }
}

/** Options of L1L2. */
export interface L1L2Options {
  /** The L1 factor (default 0; 0.01 when made from the name "l1l2"). */
  l1?: number;
  /** The L2 factor (default 0; 0.01 when made from the name "l1l2"). */
  l2?: number;
}

/** l1 · Σ|x| + l2 · Σx² (Keras 3 defaults: both 0 in the constructor, both 0.01 from the string "l1_l2"). */
export class L1L2 extends Regularizer {
  readonly l1: number;
  readonly l2: number;
  constructor({ l1 = 0, l2 = 0 }: L1L2Options = {}) {
    super();
    this.l1 = factor('L1L2', 'l1', l1);
    this.l2 = factor('L1L2', 'l2', l2);
  }
  apply(x: Tensor): Tensor {
    let r = zeros([], x.dtype);
    if (this.l1) r = add(r, mul(sum(abs(x)), this.l1));
    if (this.l2) r = add(r, mul(sum(square(x)), this.l2));
    return r;
  }
  getConfig(): Config {
    return { l1: this.l1, l2: this.l2 };
  }
}
