// model.saveWeights / model.loadWeights: only the weights, in the same container as model.save (which loadWeights
// also reads). Every weight is checked before any is assigned.
import type { Model } from '../engine/model.js';
import { readContainer, writeContainer } from './container.js';
import { planWeightRestore, weightEntries } from './weights.js';
import { checkExtension, expectKind } from './model-file.js';

/** Writes the weights of `model` (trainable and non-trainable, in model order) to `file`. */
export function saveWeights(model: Model, file: string): void {
  checkExtension(`${model.constructor.name} "${model.name}".saveWeights`, file);
  const weights = model.weights;
  writeContainer(file, { kind: 'weights', weights: weights.map((w) => w.name) }, weightEntries(weights));
}

/** Assigns the weights saved in `file` (by saveWeights, save or a backup) to `model`, all or none. */
export function loadWeights(model: Model, file: string): void {
  const c = readContainer(file);
  expectKind(file, c, ['weights', 'model', 'backup']);
  planWeightRestore(file, model, c)();
}
