// Weight constraints (keras.constraints): projections that optimizers apply to a weight after each update.
import { ValueError } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';
import { add, div, greaterEqual, mul } from '../ops/prims/binary.js';
import { cast } from '../ops/prims/cast.js';
import { clip } from '../ops/prims/clip.js';
import { sqrt, square } from '../ops/prims/unary.js';
import { sum } from '../ops/prims/reduce.js';
import type { Config } from '../engine/registry.js';

/** Keras `backend.epsilon()`: keeps the norm divisions finite for all-zero slices. */
const EPSILON = 1e-7;

/** Base class of constraints: `apply(w)` gives the projected weight value. */
export abstract class Constraint {
  /** The constrained value of `w`. */
  abstract apply(w: Tensor): Tensor;

  /** The constructor options as JSON. */
  getConfig(): Config {
    return {};
  }

  /** Rebuilds a constraint from its config. */
  static fromConfig<T extends Constraint>(this: new (config: never) => T, config: Config): T {
    return new (this as unknown as new (c: Config) => T)(config);
  }
}

/** Axes over which a norm constraint measures: one axis or several. */
export type NormAxis = number | number[];

function l2Norms(w: Tensor, axis: NormAxis): Tensor {
  return sqrt(sum(square(w), axis, true));
}

function checkBound(cls: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0)
    throw new ValueError(`${cls}: ${name} must be a non-negative finite number, got ${v}`);
  return v;
}

/** Options of MaxNorm. */
export interface MaxNormOptions {
  /** Largest norm allowed (default 2). */
  maxValue?: number;
  /** Axis (or axes) along which norms are taken (default 0: each column of a Dense kernel). */
  axis?: NormAxis;
}

/** Scales slices whose L2 norm exceeds maxValue down to it: w · clip(‖w‖, 0, max) / (ε + ‖w‖). */
export class MaxNorm extends Constraint {
  readonly maxValue: number;
  readonly axis: NormAxis;
  constructor({ maxValue = 2, axis = 0 }: MaxNormOptions = {}) {
    super();
    this.maxValue = checkBound('MaxNorm', 'maxValue', maxValue);
    this.axis = axis;
  }
  apply(w: Tensor): Tensor {
    const norms = l2Norms(w, this.axis);
    return mul(w, div(clip(norms, 0, this.maxValue), add(norms, EPSILON)));
  }
  override getConfig(): Config {
    return { maxValue: this.maxValue, axis: this.axis };
  }
}

/** Zeroes negative entries: w · (w ≥ 0). */
export class NonNeg extends Constraint {
  apply(w: Tensor): Tensor {
    return mul(w, cast(greaterEqual(w, 0), w.dtype));
  }
}

/** Options of UnitNorm. */
export interface UnitNormOptions {
  /** Axis (or axes) along which norms are taken (default 0). */
  axis?: NormAxis;
}

/** Scales slices to unit L2 norm: w / (ε + ‖w‖). */
export class UnitNorm extends Constraint {
  readonly axis: NormAxis;
  constructor({ axis = 0 }: UnitNormOptions = {}) {
    super();
    this.axis = axis;
  }
  apply(w: Tensor): Tensor {
    return div(w, add(l2Norms(w, this.axis), EPSILON));
  }
  override getConfig(): Config {
    return { axis: this.axis };
  }
}

/** Options of MinMaxNorm. */
export interface MinMaxNormOptions {
  /** Smallest norm (default 0). */
  minValue?: number;
  /** Largest norm (default 1). */
  maxValue?: number;
  /** How far to move towards the clipped norm, in [0, 1] (default 1: all the way). */
  rate?: number;
  /** Axis (or axes) along which norms are taken (default 0). */
  axis?: NormAxis;
}

/** Moves slice norms into [minValue, maxValue]: w · (rate·clip(‖w‖) + (1 - rate)·‖w‖) / (ε + ‖w‖). */
export class MinMaxNorm extends Constraint {
  readonly minValue: number;
  readonly maxValue: number;
  readonly rate: number;
  readonly axis: NormAxis;
  constructor({ minValue = 0, maxValue = 1, rate = 1, axis = 0 }: MinMaxNormOptions = {}) {
    super();
    this.minValue = checkBound('MinMaxNorm', 'minValue', minValue);
    this.maxValue = checkBound('MinMaxNorm', 'maxValue', maxValue);
    if (this.maxValue < this.minValue)
      throw new ValueError(`MinMaxNorm: maxValue must be ≥ minValue, got minValue ${minValue} and maxValue ${maxValue}`);
    this.rate = checkBound('MinMaxNorm', 'rate', rate);
    this.axis = axis;
  }
  apply(w: Tensor): Tensor {
    const norms = l2Norms(w, this.axis);
    const desired = add(mul(clip(norms, this.minValue, this.maxValue), this.rate), mul(norms, 1 - this.rate));
    return mul(w, div(desired, add(norms, EPSILON)));
  }
  override getConfig(): Config {
    return { minValue: this.minValue, maxValue: this.maxValue, rate: this.rate, axis: this.axis };
  }
}
