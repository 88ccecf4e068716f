// keras.losses: classes, functions, lookup by name (Keras snake_case names, class names, camelCase, aliases).
import { ValueError } from '../core/errors.js';
import { ClassRegistry, isSerialized, type Serialized, type SerializableClass } from '../engine/registry.js';
import { Loss, LossFunctionWrapper, type LossFunction } from './loss.js';
import {
  BinaryCrossentropy, CategoricalCrossentropy, CosineSimilarity, Hinge, Huber, KLDivergence, MeanAbsoluteError,
  MeanSquaredError, Poisson, SparseCategoricalCrossentropy,
} from './losses.js';

export {
  Loss, LossFunctionWrapper, reduceWeightedValues, squeezeOrExpandToSameRank, type LossFunction, type LossOptions,
  type Reduction,
} from './loss.js';
export {
  MeanSquaredError, MeanAbsoluteError, BinaryCrossentropy, CategoricalCrossentropy, SparseCategoricalCrossentropy,
  KLDivergence, CosineSimilarity, Huber, Hinge, Poisson, type CrossentropyLossOptions,
  type SparseCategoricalCrossentropyLossOptions, type CosineSimilarityLossOptions, type HuberLossOptions,
} from './losses.js';
export {
  meanSquaredError, meanAbsoluteError, binaryCrossentropy, categoricalCrossentropy, sparseCategoricalCrossentropy,
  klDivergence, cosineSimilarity, huber, hinge, poisson, type CrossentropyOptions,
  type SparseCategoricalCrossentropyOptions, type CosineSimilarityOptions, type HuberOptions,
} from './functions.js';

/** What compile() accepts as a loss: a name, a Loss, a plain function, or {className, config}. */
export type LossIdentifier = string | Loss | LossFunction | Serialized;

const registry = new ClassRegistry<Loss>('loss');
for (const cls of [MeanSquaredError, MeanAbsoluteError, BinaryCrossentropy, CategoricalCrossentropy,
  SparseCategoricalCrossentropy, KLDivergence, CosineSimilarity, Huber, Hinge, Poisson])
  registry.register(cls as SerializableClass<Loss>);
// Keras' function names that differ from the class names, and its short aliases (case and underscores ignored).
const ALIASES: Readonly<Record<string, string>> = {
  huber: 'Huber', mse: 'MeanSquaredError', mae: 'MeanAbsoluteError', bce: 'BinaryCrossentropy', kld: 'KLDivergence',
};

const keyOf = (name: string): string => name.replace(/_/g, '').toLowerCase();

/** Registers a custom loss class, so that get() finds it by name and deserialize() rebuilds it. */
export function registerLoss(cls: SerializableClass<Loss>, name?: string): void {
  registry.register(cls, name);
}

/**
 * The loss for an identifier: a name ("sparse_categorical_crossentropy", "SparseCategoricalCrossentropy",
 * "sparseCategoricalCrossentropy", "mse", ...) gives a new instance with Keras' defaults, a function is wrapped in
 * a LossFunctionWrapper, and a Loss is returned as it is. Unknown names are a ValueError listing the known ones.
 */
export function get(id: LossIdentifier): Loss {
  if (id instanceof Loss) return id;
  if (typeof id === 'function') return new LossFunctionWrapper(id);
  if (typeof id === 'string') {
    let cls: SerializableClass<Loss>;
    try {
      const alias = Object.hasOwn(ALIASES, keyOf(id)) ? ALIASES[keyOf(id)] : undefined;
      cls = registry.lookup(alias ?? id, 'losses.get');
    } catch {
      throw new ValueError(`losses.get: unknown loss "${id}"; known losses: ${lossNames().join(', ')}`);
    }
    return cls.fromConfig({});
  }
  if (isSerialized(id)) return registry.deserialize(id, 'losses.get');
  throw new ValueError(`losses.get: expected a loss name, a Loss, a function or {className, config}, ` +
    `got ${JSON.stringify(id)}`);
}

/** {className, config} of a loss whose class is registered. */
export function serialize(loss: Loss): Serialized {
  return registry.serialize(loss, 'losses.serialize');
}

/** The loss names get() knows (registered class names and Keras aliases), sorted. */
export function lossNames(): string[] {
  return [...registry.known(), ...Object.keys(ALIASES)].sort();
}
