// trainOnBatch / testOnBatch (Keras `train_on_batch` / `test_on_batch`): one step on the whole data given, with the
// metrics accumulating across calls until the next fit / evaluate resets them.
import type { Logs } from '../../callbacks/callback.js';
import { tidy } from '../../core/tidy.js';
import type { LayerIO } from '../layer.js';
import type { Model } from '../model.js';
import { sampleCount, toTensors, type Data } from './data.js';
import { logsToNumbers, type Trainer } from './trainer.js';

/** Options of trainOnBatch / testOnBatch. */
export interface OnBatchOptions {
  /** Return {loss, metric: value} instead of [loss, ...metrics]. */
  returnDict?: boolean;
}

/** Runs one train (or test) step on `x`, `y` as a single batch; returns the logs. */
export function runOnBatch(model: Model<LayerIO, LayerIO>, trainer: Trainer, kind: 'train' | 'test', x: Data,
                           y: Data | null | undefined, options: OnBatchOptions = {}): number[] | Logs {
  const op = `${model.constructor.name} "${model.name}".${kind}OnBatch`;
  const xs = toTensors(op, 'x', x), ys = toTensors(op, 'y', y);
  sampleCount(op, { x: xs, y: ys });
  trainer.ensureBuilt(xs);
  const logs = tidy(() => logsToNumbers(kind === 'train' ? trainer.trainStep(xs, ys) : trainer.testStep(xs, ys)));
  return options.returnDict ? logs : Object.values(logs);
}
