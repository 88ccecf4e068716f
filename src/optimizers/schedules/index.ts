// keras.optimizers.schedules: the schedules, lookup by config, and serialization.
import { ValueError } from '../../core/errors.js';
import { ClassRegistry, isSerialized, type Serialized, type SerializableClass } from '../../engine/registry.js';
import { LearningRateSchedule } from './schedule.js';
import { ExponentialDecay } from './exponential-decay.js';
import { PiecewiseConstantDecay } from './piecewise-constant-decay.js';
import { InverseTimeDecay } from './inverse-time-decay.js';
import { CosineDecay } from './cosine-decay.js';

export { LearningRateSchedule, type Step } from './schedule.js';
export { ExponentialDecay, type ExponentialDecayOptions } from './exponential-decay.js';
export { PiecewiseConstantDecay, type PiecewiseConstantDecayOptions } from './piecewise-constant-decay.js';
export { InverseTimeDecay, type InverseTimeDecayOptions } from './inverse-time-decay.js';
export { CosineDecay, type CosineDecayOptions } from './cosine-decay.js';

const registry = new ClassRegistry<LearningRateSchedule>('learning rate schedule');
for (const cls of [ExponentialDecay, PiecewiseConstantDecay, InverseTimeDecay, CosineDecay]) registry.register(cls);

/** Registers a custom schedule class for deserialization. */
export function registerSchedule(cls: SerializableClass<LearningRateSchedule>, name?: string): void {
  registry.register(cls, name);
}

/** {className, config} of a schedule. */
export function serialize(schedule: LearningRateSchedule): Serialized {
  return registry.serialize(schedule, 'schedules.serialize');
}

/** The schedule described by {className, config}. */
export function deserialize(config: Serialized): LearningRateSchedule {
  if (!isSerialized(config))
    throw new ValueError(`schedules.deserialize: expected {className, config}, got ${JSON.stringify(config)}`);
  return registry.deserialize(config, 'schedules.deserialize');
}
