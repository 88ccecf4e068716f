// keras.initializers: classes, lookup by name or config, and serialization.
import { ValueError } from '../core/errors.js';
import { ClassRegistry, isSerialized, type Serialized, type SerializableClass } from '../engine/registry.js';
import { Constant, Identity, Initializer, Ones, Zeros } from './initializer.js';
import { Orthogonal, RandomNormal, RandomUniform, TruncatedNormal } from './random.js';
import {
  GlorotNormal, GlorotUniform, HeNormal, HeUniform, LecunNormal, LecunUniform, VarianceScaling,
} from './variance-scaling.js';

export { Initializer, Zeros, Ones, Constant, Identity, type ConstantOptions, type IdentityOptions } from './initializer.js';
export {
  RandomInitializer, RandomNormal, RandomUniform, TruncatedNormal, Orthogonal, type SeedOptions,
  type NormalInitOptions, type UniformInitOptions, type OrthogonalOptions,
} from './random.js';
export {
  VarianceScaling, GlorotUniform, GlorotNormal, HeUniform, HeNormal, LecunUniform, LecunNormal, computeFans,
  type FanMode, type Distribution, type VarianceScalingOptions,
} from './variance-scaling.js';

/** What a layer accepts as an initializer: a name ("glorotUniform", "he_normal"), an instance, or {className, config}. */
export type InitializerIdentifier = string | Initializer | Serialized;

const registry = new ClassRegistry<Initializer>('initializer');
for (const cls of [Zeros, Ones, Constant, Identity, RandomNormal, RandomUniform, TruncatedNormal, Orthogonal,
  VarianceScaling, GlorotUniform, GlorotNormal, HeUniform, HeNormal, LecunUniform, LecunNormal])
  registry.register(cls);

/** Registers a custom initializer class for deserialization. */
export function registerInitializer(cls: SerializableClass<Initializer>, name?: string): void {
  registry.register(cls, name);
}

/** The initializer for an identifier; a name gives a new instance with the defaults. */
export function getInitializer(id: InitializerIdentifier): Initializer {
  if (id instanceof Initializer) return id;
  if (typeof id === 'string') return registry.lookup(id, 'getInitializer').fromConfig({});
  if (isSerialized(id)) return registry.deserialize(id, 'getInitializer');
  throw new ValueError(`getInitializer: expected a name, an Initializer or {className, config}, got ${JSON.stringify(id)}`);
}

/** {className, config} of an initializer. */
export function serializeInitializer(i: Initializer): Serialized {
  return registry.serialize(i, 'serializeInitializer');
}
