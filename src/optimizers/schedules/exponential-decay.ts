// ExponentialDecay: initialLearningRate · decayRate^(step / decaySteps), optionally in whole steps.
import type { Tensor } from '../../core/tensor.js';
import { div, mul, pow } from '../../ops/prims/binary.js';
import { floor } from '../../ops/prims/unary.js';
import { scalar } from '../../ops/creation.js';
import type { Config } from '../../engine/registry.js';
import { LearningRateSchedule, finiteArg, positiveArg, stepAsFloat, type Step } from './schedule.js';

/** Options of ExponentialDecay. */
export interface ExponentialDecayOptions {
  /** The learning rate at step 0. */
  initialLearningRate: number;
  /** Steps per factor of decayRate (> 0). */
  decaySteps: number;
  /** The factor per decaySteps steps. */
  decayRate: number;
  /** Decay at whole multiples of decaySteps only (default false). */
  staircase?: boolean;
  /** The schedule's name (default "ExponentialDecay"). */
  name?: string;
}

/** keras.optimizers.schedules.ExponentialDecay. */
export class ExponentialDecay extends LearningRateSchedule {
  readonly initialLearningRate: number;
  readonly decaySteps: number;
  readonly decayRate: number;
  readonly staircase: boolean;
  readonly name: string;

  constructor({ initialLearningRate, decaySteps, decayRate, staircase = false, name = 'ExponentialDecay' }:
                ExponentialDecayOptions) {
    super();
    this.initialLearningRate = finiteArg('ExponentialDecay', 'initialLearningRate', initialLearningRate);
    this.decaySteps = positiveArg('ExponentialDecay', 'decaySteps', decaySteps);
    this.decayRate = finiteArg('ExponentialDecay', 'decayRate', decayRate);
    this.staircase = staircase;
    this.name = name;
  }

  call(step: Step): Tensor {
    let p = div(stepAsFloat(step), this.decaySteps);
    if (this.staircase) p = floor(p);
    return mul(this.initialLearningRate, pow(scalar(this.decayRate, 'float32'), p));
  }

  getConfig(): Config {
    return { initialLearningRate: this.initialLearningRate, decaySteps: this.decaySteps, decayRate: this.decayRate,
      staircase: this.staircase, name: this.name };
  }
}
