// PiecewiseConstantDecay: values[0] while step ≤ boundaries[0], values[i] while boundaries[i-1] < step ≤ boundaries[i],
// values[n] after the last boundary.
import { ValueError } from '../../core/errors.js';
import type { Tensor } from '../../core/tensor.js';
import { add, greater, lessEqual, logicalAnd, mul } from '../../ops/prims/binary.js';
import { cast } from '../../ops/prims/cast.js';
import { toTensor } from '../../ops/dispatch.js';
import { scalar } from '../../ops/creation.js';
import type { Config } from '../../engine/registry.js';
import { LearningRateSchedule, finiteArg, type Step } from './schedule.js';

/** Options of PiecewiseConstantDecay. */
export interface PiecewiseConstantDecayOptions {
  /** Strictly increasing step boundaries. */
  boundaries: number[];
  /** One value per interval: boundaries.length + 1 of them. */
  values: number[];
  /** The schedule's name (default "PiecewiseConstant"). */
  name?: string;
}

/** keras.optimizers.schedules.PiecewiseConstantDecay. */
export class PiecewiseConstantDecay extends LearningRateSchedule {
  readonly boundaries: number[];
  readonly values: number[];
  readonly name: string;

  constructor({ boundaries, values, name = 'PiecewiseConstant' }: PiecewiseConstantDecayOptions) {
    super();
    const cls = 'PiecewiseConstantDecay';
    if (!Array.isArray(boundaries) || !Array.isArray(values) || boundaries.length !== values.length - 1)
      throw new ValueError(`${cls}: the length of boundaries should be 1 less than the length of values, got ` +
        `boundaries ${JSON.stringify(boundaries)} and values ${JSON.stringify(values)}`);
    boundaries.forEach((b, i) => {
      finiteArg(cls, `boundaries[${i}]`, b);
      if (i > 0 && !(b > boundaries[i - 1]))
        throw new ValueError(`${cls}: boundaries must be strictly increasing, got ${JSON.stringify(boundaries)}`);
    });
    values.forEach((v, i) => finiteArg(cls, `values[${i}]`, v));
    this.boundaries = [...boundaries];
    this.values = [...values];
    this.name = name;
  }

  call(step: Step): Tensor {
    // Σ value_i · [step in interval i], as Keras computes it (no host branch, so it traces).
    const s = toTensor(step, 'float32');
    const indicator = (t: Tensor) => cast(t, 'float32');
    const n = this.boundaries.length;
    if (n === 0) return scalar(this.values[0], 'float32');
    let result = mul(indicator(lessEqual(s, this.boundaries[0])), this.values[0]);
    result = add(result, mul(indicator(greater(s, this.boundaries[n - 1])), this.values[n]));
    for (let i = 1; i < n; i++) {
      const inRange = logicalAnd(greater(s, this.boundaries[i - 1]), lessEqual(s, this.boundaries[i]));
      result = add(result, mul(indicator(inRange), this.values[i]));
    }
    return result;
  }

  getConfig(): Config {
    return { boundaries: [...this.boundaries], values: [...this.values], name: this.name };
  }
}
