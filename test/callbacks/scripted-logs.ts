// Helpers for the callback tests: a small compiled model and a callback that sets one log to scripted values, so
// that callbacks placed after it see a known sequence.
import * as kiln from '../../src/index.js';
import { classificationData } from '../engine/training-helpers.js';

/** Overwrites logs[name] at each epoch end with values[epoch]. */
export class ScriptedLog extends kiln.callbacks.Callback {
  constructor(private readonly name: string, private readonly values: readonly number[]) {
    super();
  }
  override onEpochEnd(epoch: number, logs: kiln.callbacks.Logs): void {
    logs[this.name] = this.values[epoch];
  }
}

/** A compiled softmax classifier (SGD at `learningRate`) and 12 samples of data for it. */
export function smallClassifier(learningRate = 0.1): { model: kiln.Sequential; x: kiln.Tensor; y: kiln.Tensor } {
  const model = new kiln.Sequential([new kiln.layers.Dense({ units: 3, activation: 'softmax' })]);
  model.compile({ optimizer: new kiln.optimizers.SGD({ learningRate }), loss: 'sparse_categorical_crossentropy',
    metrics: ['accuracy'] });
  const d = classificationData(12, 4, 3, 7);
  return { model, x: d.x, y: d.y };
}
