// Serialization: configs are JSON, objects serialize as {className, config}, and a registry per kind (layers,
// initializers, regularizers, constraints) maps class names back to classes (Keras `register_keras_serializable`).
import { ValueError } from '../core/errors.js';
import type { AnyLayer } from './layer.js';

/** A JSON value inside a config. */
export type ConfigValue = null | boolean | number | string | ConfigValue[] | { [key: string]: ConfigValue };

/** A config: an object's constructor options as JSON (Keras `get_config()`). */
export type Config = { [key: string]: ConfigValue };

/** A serialized object: its registered class name and its config (Keras `{"class_name", "config"}`). */
export type Serialized = {
  className: string;
  config: Config;
};

/** A class that can be rebuilt from its config. */
export interface SerializableClass<T> {
  readonly name: string;
  fromConfig(config: Config): T;
}

// Lookup key: case and underscores ignored, so 'GlorotUniform', 'glorotUniform' and 'glorot_uniform' agree.
function keyOf(name: string): string {
  return name.replace(/_/g, '').toLowerCase();
}

/** True for a value shaped like a Serialized object. */
export function isSerialized(x: unknown): x is Serialized {
  return typeof x === 'object' && x !== null && typeof (x as Serialized).className === 'string' &&
    typeof (x as Serialized).config === 'object' && (x as Serialized).config !== null &&
    !Array.isArray((x as Serialized).config);
}

/** The classes of one kind of serializable object, by name. */
export class ClassRegistry<T extends object> {
  private readonly byKey = new Map<string, SerializableClass<T>>();
  private readonly names = new Map<unknown, string>();

  /** `kind` names the objects in error messages ("layer", "initializer", ...). */
  constructor(private readonly kind: string) {}

  /** Registers `cls` under `name` (default: the class name); a later registration of the name replaces it. */
  register(cls: SerializableClass<T>, name = cls.name): void {
    this.byKey.set(keyOf(name), cls);
    this.names.set(cls, name);
  }

  /** The class registered under `name` (case and underscores ignored), or a ValueError listing the known ones. */
  lookup(name: string, caller: string): SerializableClass<T> {
    const cls = this.byKey.get(keyOf(name));
    if (!cls) throw new ValueError(`${caller}: unknown ${this.kind} "${name}"; known: ${this.known().join(', ')}`);
    return cls;
  }

  /** The registered names, sorted. */
  known(): string[] {
    return [...this.names.values()].sort();
  }

  /** Rebuilds an object from {className, config}. */
  deserialize(s: Serialized, caller: string): T {
    if (!isSerialized(s))
      throw new ValueError(`${caller}: expected {className, config}, got ${JSON.stringify(s)}`);
    return this.lookup(s.className, caller).fromConfig(s.config);
  }

  /** {className, config} of an object whose class is registered. */
  serialize(obj: T & { getConfig(): Config }, caller: string): Serialized {
    const name = this.names.get(obj.constructor);
    if (name === undefined)
      throw new ValueError(`${caller}: class ${obj.constructor.name} is not registered as a ${this.kind}; ` +
        `register it first so that it can be deserialized`);
    return { className: name, config: obj.getConfig() };
  }
}

const layers = new ClassRegistry<AnyLayer>('layer');

/** Registers a layer class so that deserializeLayer (and models holding it) can rebuild it from its config. */
export function registerLayer(cls: SerializableClass<AnyLayer>, name?: string): void {
  layers.register(cls, name);
}

/** {className, config} of a layer whose class is registered. */
export function serializeLayer(layer: AnyLayer): Serialized {
  return layers.serialize(layer, 'serializeLayer');
}

/** A new layer from {className, config}; the class must be registered (built-in layers are). */
export function deserializeLayer(s: Serialized): AnyLayer {
  return layers.deserialize(s, 'deserializeLayer');
}
