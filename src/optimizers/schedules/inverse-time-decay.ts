// InverseTimeDecay: initialLearningRate / (1 + decayRate · step / decaySteps), optionally in whole steps.
import type { Tensor } from '../../core/tensor.js';
import { add, div, mul } from '../../ops/prims/binary.js';
import { floor } from '../../ops/prims/unary.js';
import { scalar } from '../../ops/creation.js';
import type { Config } from '../../engine/registry.js';
import { LearningRateSchedule, finiteArg, positiveArg, stepAsFloat, type Step } from './schedule.js';

/** Options of InverseTimeDecay. */
export interface InverseTimeDecayOptions {
  /** The learning rate at step 0. */
  initialLearningRate: number;
  /** The step unit of the decay (> 0). */
  decaySteps: number;
  /** The decay rate. */
  decayRate: number;
  /** Decay at whole multiples of decaySteps only (default false). */
  staircase?: boolean;
  /** The schedule's name (default "InverseTimeDecay"). */
  name?: string;
}

/** keras.optimizers.schedules.InverseTimeDecay. */
export class InverseTimeDecay extends LearningRateSchedule {
  readonly initialLearningRate: number;
  readonly decaySteps: number;
  readonly decayRate: number;
  readonly staircase: boolean;
  readonly name: string;

  constructor({ initialLearningRate, decaySteps, decayRate, staircase = false, name = 'InverseTimeDecay' }:
                InverseTimeDecayOptions) {
    super();
    this.initialLearningRate = finiteArg('InverseTimeDecay', 'initialLearningRate', initialLearningRate);
    this.decaySteps = positiveArg('InverseTimeDecay', 'decaySteps', decaySteps);
    this.decayRate = finiteArg('InverseTimeDecay', 'decayRate', decayRate);
    this.staircase = staircase;
    this.name = name;
  }

  call(step: Step): Tensor {
    let p = div(stepAsFloat(step), this.decaySteps);
    if (this.staircase) p = floor(p);
    return div(scalar(this.initialLearningRate, 'float32'), add(1, mul(this.decayRate, p)));
  }

  getConfig(): Config {
    return { initialLearningRate: this.initialLearningRate, decaySteps: this.decaySteps, decayRate: this.decayRate,
      staircase: this.staircase, name: this.name };
  }
}
