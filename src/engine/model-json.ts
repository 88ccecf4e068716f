// Architecture JSON (Keras `model.to_json()` / `model_from_json`): the model's {className, config}, every layer
// inside serialized through the layer registry (custom layers must be registered); weights are not included.
import { ValueError } from '../core/errors.js';
import type { AnyLayer } from './layer.js';
import { Model } from './model.js';
import { deserializeLayer, isSerialized, serializeLayer } from './registry.js';

/** The architecture of `model` as a JSON string. */
export function modelToJSON(model: AnyLayer): string {
  return JSON.stringify(serializeLayer(model));
}

/** A new model (fresh weights) from modelToJSON / model.toJSON() output, as a string or parsed. */
export function modelFromJSON(json: string | object): Model {
  let parsed: unknown = json;
  if (typeof json === 'string') {
    try {
      parsed = JSON.parse(json);
    } catch (e) {
      throw new ValueError(`modelFromJSON: the text is not JSON (${(e as Error).message})`);
    }
  }
  if (!isSerialized(parsed))
    throw new ValueError(`modelFromJSON: expected {className, config}, got ${JSON.stringify(parsed).slice(0, 80)}`);
  const model = deserializeLayer(parsed);
  if (!(model instanceof Model))
    throw new ValueError(`modelFromJSON: ${parsed.className} is a layer, not a model; use deserializeLayer for layers`);
  return model;
}
