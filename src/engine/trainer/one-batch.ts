// trainOnBatch / testOnBatch (Keras `train_on_batch` / `test_on_batch`): one step on the whole data given, with the
// metrics accumulating across calls until the next fit / evaluate resets them.
import type { Logs } from '../../callbacks/callback.js';
import { tidy } from '../../core/tidy.js';
import type { LayerIO } from '../layer.js';
import type { Model } from '../model.js';
import { ioNamesOf, weightsOf } from './batches.js';
import { checkClassWeight, sampleCount, toTensors, type Data } from './data.js';
import { logsToNumbers, type Trainer } from './trainer.js';

/** Options of trainOnBatch / testOnBatch. */
export interface OnBatchOptions {
  /** Return {loss, metric: value} instead of [loss, ...metrics]. */
  returnDict?: boolean;
  /** A weight per sample, or one such array per output. */
  sampleWeight?: Data | null;
  /** A weight per class index (trainOnBatch only; one output only). */
  classWeight?: Readonly<Record<number, number>> | null;
}

/** Runs one train (or test) step on `x`, `y` as a single batch; returns the logs. */
export function runOnBatch(model: Model<LayerIO, LayerIO>, trainer: Trainer, kind: 'train' | 'test', x: Data,
                           y: Data | null | undefined, options: OnBatchOptions = {}): number[] | Logs {
  const op = `${model.constructor.name} "${model.name}".${kind}OnBatch`;
  const names = ioNamesOf(model);
  const xs = toTensors(op, 'x', x, names.inputs), ys = toTensors(op, 'y', y, names.outputs);
  const classWeight = kind === 'train' && options.classWeight ? checkClassWeight(op, options.classWeight) : null;
  const sws = weightsOf(op, ys, toTensors(op, 'sampleWeight', options.sampleWeight, names.outputs), classWeight);
  sampleCount(op, { x: xs, y: ys, sampleWeight: sws });
  trainer.ensureBuilt(xs);
  const batch = { xs, ys, sws };
  const logs = tidy(() => logsToNumbers(kind === 'train' ? trainer.trainStep(batch) : trainer.testStep(batch)));
  return options.returnDict ? logs : Object.values(logs);
}
