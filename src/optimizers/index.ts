// keras.optimizers: the optimizers, lookup by name ("rmsprop") or config, serialization, and schedules.
import { ValueError } from '../core/errors.js';
import { ClassRegistry, isSerialized, type Serialized, type SerializableClass } from '../engine/registry.js';
import { Optimizer } from './optimizer.js';
import { SGD } from './sgd.js';
import { RMSprop } from './rmsprop.js';
import { Adam } from './adam.js';
import { AdamW } from './adamw.js';
import { Adagrad } from './adagrad.js';

export { Optimizer, type OptimizerOptions, type GradAndVar, type SlotSpec } from './optimizer.js';
export { SGD, type SGDOptions } from './sgd.js';
export { RMSprop, type RMSpropOptions } from './rmsprop.js';
export { Adam, type AdamOptions } from './adam.js';
export { AdamW } from './adamw.js';
export { Adagrad, type AdagradOptions } from './adagrad.js';
export { clipByNorm, clipByGlobalNorm, clipByValue } from './clipping.js';
export * as schedules from './schedules/index.js';

/** What compile() accepts as an optimizer: a name ("rmsprop", "adam"), an instance, or {className, config}. */
export type OptimizerIdentifier = string | Optimizer | Serialized;

const registry = new ClassRegistry<Optimizer>('optimizer');
for (const cls of [SGD, RMSprop, Adam, AdamW, Adagrad]) registry.register(cls);

/** Registers a custom optimizer class for deserialization. */
export function registerOptimizer(cls: SerializableClass<Optimizer>, name?: string): void {
  registry.register(cls, name);
}

/** {className, config} of an optimizer. */
export function serialize(optimizer: Optimizer): Serialized {
  return registry.serialize(optimizer, 'optimizers.serialize');
}

/** A new optimizer (without state) from {className, config}. */
export function deserialize(config: Serialized): Optimizer {
  return registry.deserialize(config, 'optimizers.deserialize');
}

/** The optimizer for an identifier: a name gives a new one with Keras' defaults; an instance is returned as is. */
export function get(id: OptimizerIdentifier): Optimizer {
  if (id instanceof Optimizer) return id;
  if (typeof id === 'string') return registry.lookup(id, 'optimizers.get').fromConfig({});
  if (isSerialized(id)) return deserialize(id);
  throw new ValueError(`optimizers.get: expected a name, an Optimizer or {className, config}, got ${JSON.stringify(id)}`);
}
