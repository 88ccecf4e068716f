// CosineDecay with optional linear warmup (SGDR without restarts; Goyal et al. warmup).
import type { Tensor } from '../../core/tensor.js';
import { add, div, less, minimum, mul, sub } from '../../ops/prims/binary.js';
import { cos } from '../../ops/prims/unary.js';
import { select } from '../../ops/prims/select.js';
import type { Config } from '../../engine/registry.js';
import { LearningRateSchedule, finiteArg, positiveArg, stepAsFloat, type Step } from './schedule.js';

/** Options of CosineDecay. */
export interface CosineDecayOptions {
  /** The learning rate at step 0. */
  initialLearningRate: number;
  /** Steps of the cosine decay (> 0), after the warmup. */
  decaySteps: number;
  /** The final learning rate as a fraction of the decay's start (default 0). */
  alpha?: number;
  /** The schedule's name (default "CosineDecay"). */
  name?: string;
  /** Warm up linearly from initialLearningRate to this rate, then decay from it (default null: no warmup). */
  warmupTarget?: number | null;
  /** Steps of the warmup (default 0). */
  warmupSteps?: number;
}

/** keras.optimizers.schedules.CosineDecay. */
export class CosineDecay extends LearningRateSchedule {
  readonly initialLearningRate: number;
  readonly decaySteps: number;
  readonly alpha: number;
  readonly name: string;
  readonly warmupTarget: number | null;
  readonly warmupSteps: number;

  constructor({ initialLearningRate, decaySteps, alpha = 0, name = 'CosineDecay', warmupTarget = null,
                warmupSteps = 0 }: CosineDecayOptions) {
    super();
    const cls = 'CosineDecay';
    this.initialLearningRate = finiteArg(cls, 'initialLearningRate', initialLearningRate);
    this.decaySteps = positiveArg(cls, 'decaySteps', decaySteps);
    this.alpha = finiteArg(cls, 'alpha', alpha);
    this.name = name;
    this.warmupTarget = warmupTarget === null ? null : finiteArg(cls, 'warmupTarget', warmupTarget);
    this.warmupSteps = finiteArg(cls, 'warmupSteps', warmupSteps);
  }

  private decay(step: Tensor, from: number): Tensor {
    const cosine = mul(0.5, add(1, cos(mul(Math.PI, div(step, this.decaySteps)))));
    return mul(from, add(mul(1 - this.alpha, cosine), this.alpha));
  }

  call(step: Step): Tensor {
    const s = stepAsFloat(step);
    if (this.warmupTarget === null) return this.decay(minimum(s, this.decaySteps), this.initialLearningRate);
    const clamped = minimum(s, this.decaySteps + this.warmupSteps);
    const warm = add(mul(this.warmupTarget - this.initialLearningRate, div(clamped, this.warmupSteps)),
      this.initialLearningRate);
    // Both branches are computed and one selected, so the schedule has no host branch and traces.
    const decayed = this.decay(sub(clamped, this.warmupSteps), this.warmupTarget);
    return select(less(clamped, this.warmupSteps), warm, decayed);
  }

  getConfig(): Config {
    return { initialLearningRate: this.initialLearningRate, decaySteps: this.decaySteps, alpha: this.alpha,
      name: this.name, warmupTarget: this.warmupTarget, warmupSteps: this.warmupSteps };
  }
}
