// The base class of learning-rate schedules (keras.optimizers.schedules.LearningRateSchedule).
import { ValueError } from '../../core/errors.js';
import type { Tensor } from '../../core/tensor.js';
import type { Variable } from '../../core/variable.js';
import { cast } from '../../ops/prims/cast.js';
import type { Config } from '../../engine/registry.js';

/** A step: the optimizer's `iterations` variable, a scalar tensor, or a number. */
export type Step = Variable | Tensor | number;

/**
 * A learning rate as a function of the optimizer step. `call(step)` is written in ops, so a schedule driven by
 * `optimizer.iterations` traces into a compiled train step and needs no retrace as the step advances.
 */
export abstract class LearningRateSchedule {
  /** The learning rate at `step`, a float32 scalar. */
  abstract call(step: Step): Tensor;

  /** The constructor options as JSON. */
  abstract getConfig(): Config;

  /** Rebuilds a schedule from its config. */
  static fromConfig<T extends LearningRateSchedule>(this: new (config: never) => T, config: Config): T {
    return new (this as unknown as new (c: Config) => T)(config);
  }
}

/** The step as a float32 scalar (Keras casts the step to the dtype of the initial learning rate). */
export function stepAsFloat(step: Step): Tensor {
  return cast(step, 'float32');
}

/** A finite number, or a ValueError naming the schedule and the argument. */
export function finiteArg(cls: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v))
    throw new ValueError(`${cls}: ${name} must be a finite number, got ${JSON.stringify(v)}`);
  return v;
}

/** A positive finite number (Keras: "Argument `decay_steps` must be > 0"). */
export function positiveArg(cls: string, name: string, v: unknown): number {
  const x = finiteArg(cls, name, v);
  if (x <= 0) throw new ValueError(`${cls}: ${name} must be > 0, got ${x}`);
  return x;
}
