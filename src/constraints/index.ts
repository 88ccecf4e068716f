// keras.constraints: classes, lookup by name or config, and serialization.
import { ValueError } from '../core/errors.js';
import { ClassRegistry, isSerialized, type Serialized, type SerializableClass } from '../engine/registry.js';
import { Constraint, MaxNorm, MinMaxNorm, NonNeg, UnitNorm } from './constraint.js';

export {
  Constraint, MaxNorm, NonNeg, UnitNorm, MinMaxNorm, type NormAxis, type MaxNormOptions, type UnitNormOptions,
  type MinMaxNormOptions,
} from './constraint.js';

/** What a layer accepts as a constraint: a name ("maxNorm", "non_neg"), an instance, or {className, config}. */
export type ConstraintIdentifier = string | Constraint | Serialized;

const registry = new ClassRegistry<Constraint>('constraint');
for (const cls of [MaxNorm, NonNeg, UnitNorm, MinMaxNorm]) registry.register(cls);

/** Registers a custom constraint class for deserialization. */
export function registerConstraint(cls: SerializableClass<Constraint>, name?: string): void {
  registry.register(cls, name);
}

/** The constraint for an identifier (null for null). */
export function getConstraint(id: ConstraintIdentifier | null | undefined): Constraint | null {
  if (id === null || id === undefined) return null;
  if (id instanceof Constraint) return id;
  if (typeof id === 'string') return registry.lookup(id, 'getConstraint').fromConfig({});
  if (isSerialized(id)) return registry.deserialize(id, 'getConstraint');
  throw new ValueError(`getConstraint: expected a name, a Constraint or {className, config}, got ${JSON.stringify(id)}`);
}

/** {className, config} of a constraint. */
export function serializeConstraint(c: Constraint): Serialized {
  return registry.serialize(c, 'serializeConstraint');
}
