// The state BackupAndRestore keeps between runs: weights, optimizer state and the number of finished epochs, in one
// container written atomically, restored into the same (compiled) model.
import { SavingError } from '../core/errors.js';
import type { Model } from '../engine/model.js';
import { readContainer, writeContainer } from './container.js';
import { planWeightRestore, weightEntries } from './weights.js';
import { optimizerEntries, planOptimizerRestore } from './optimizer-state.js';
import { expectKind } from './model-file.js';

/** Writes the training state of a compiled `model` after `epochsDone` epochs. */
export function saveTrainingState(model: Model, file: string, epochsDone: number): void {
  const weights = model.weights;
  writeContainer(file, { kind: 'backup', epochsDone, weights: weights.map((w) => w.name) },
    [...weightEntries(weights), ...optimizerEntries(model.optimizer, weights)]);
}

/** Restores the state saved by saveTrainingState into the compiled `model`; returns the number of finished epochs. */
export function loadTrainingState(model: Model, file: string): number {
  const c = readContainer(file);
  expectKind(file, c, ['backup']);
  const epochsDone = c.meta.epochsDone;
  if (typeof epochsDone !== 'number' || !Number.isInteger(epochsDone) || epochsDone < 0)
    throw new SavingError(`${file}: meta.epochsDone is ${JSON.stringify(epochsDone)}, expected a non-negative integer`);
  const assignWeights = planWeightRestore(file, model, c);
  const assignOptimizer = planOptimizerRestore(file, model.optimizer, model.weights, c);
  assignWeights();
  assignOptimizer();
  return epochsDone;
}
