// keras.regularizers: classes, lookup by name or config, and serialization.
import { ClassRegistry, isSerialized, type Serialized, type SerializableClass } from '../engine/registry.js';
import { ValueError } from '../core/errors.js';
import { L1, L1L2, L2, Regularizer } from './regularizer.js';

export { Regularizer, L1, L2, L1L2, type L1Options, type L2Options, type L1L2Options } from './regularizer.js';

/** What a layer accepts as a regularizer: a name ("l2"), an instance, or {className, config}. */
export type RegularizerIdentifier = string | Regularizer | Serialized;

const registry = new ClassRegistry<Regularizer>('regularizer');
registry.register(L1);
registry.register(L2);
registry.register(L1L2);

/** Registers a custom regularizer class for deserialization. */
export function registerRegularizer(cls: SerializableClass<Regularizer>, name?: string): void {
  registry.register(cls, name);
}

/** The regularizer for an identifier (null for null); a bare name uses Keras' defaults (l1l2: both 0.01). */
export function getRegularizer(id: RegularizerIdentifier | null | undefined): Regularizer | null {
  if (id === null || id === undefined) return null;
  if (id instanceof Regularizer) return id;
  if (typeof id === 'string') {
    const cls = registry.lookup(id, 'getRegularizer');
    return cls === L1L2 ? new L1L2({ l1: 0.01, l2: 0.01 }) : cls.fromConfig({});
  }
  if (isSerialized(id)) return registry.deserialize(id, 'getRegularizer');
  throw new ValueError(`getRegularizer: expected a name, a Regularizer or {className, config}, got ${JSON.stringify(id)}`);
}

/** {className, config} of a regularizer. */
export function serializeRegularizer(r: Regularizer): Serialized {
  return registry.serialize(r, 'serializeRegularizer');
}
