// fit / evaluate / predict (and their one-batch forms): the loops over batches that drive the steps and the
// callbacks. Logs become numbers once per batch (one host read of a few scalars), as Keras does for callbacks.
import { ValueError } from '../../core/errors.js';
import type { Tensor } from '../../core/tensor.js';
import { tidy } from '../../core/tidy.js';
import { concat } from '../../ops/prims/concat.js';
import { CallbackList } from '../../callbacks/callback-list.js';
import type { Callback, Logs } from '../../callbacks/callback.js';
import type { History } from '../../callbacks/history.js';
import type { LayerIO } from '../layer.js';
import type { Model } from '../model.js';
import { batchAt, permutation, positiveInt, sampleCount, sliceRows, toTensors, type Data } from './data.js';
import { makeStepRunner, type StepRunner } from './step-runner.js';
import { logsToNumbers, type Trainer } from './trainer.js';

type AnyModel = Model<LayerIO, LayerIO>;

/** Verbosity: 0 silent, 1 progress bar (plain lines when not a TTY), 2 one line per epoch; 'auto' is 1. */
export type Verbose = 0 | 1 | 2 | 'auto';

/** Options of fit() (Keras `fit`). */
export interface FitOptions {
  /** Samples per batch (default 32); the last batch may be smaller. */
  batchSize?: number;
  /** Epochs to train until (default 1). */
  epochs?: number;
  /** Progress output (default 'auto'). */
  verbose?: Verbose;
  /** Callbacks, called in this order, before the progress bar and History. */
  callbacks?: Callback[];
  /** Fraction of the samples, taken from the end before shuffling, held out for validation. */
  validationSplit?: number;
  /** [x, y] to evaluate at the end of each epoch (overrides validationSplit). */
  validationData?: readonly [Data, Data] | null;
  /** Shuffle the training samples before each epoch (default true). */
  shuffle?: boolean;
  /** The epoch to start from (default 0), for resuming. */
  initialEpoch?: number;
}

/** Options of evaluate(). */
export interface EvaluateOptions {
  /** Samples per batch (default 32). */
  batchSize?: number;
  /** Progress output (default 'auto'). */
  verbose?: Verbose;
  /** Callbacks (their test hooks are called). */
  callbacks?: Callback[];
  /** Return {loss, metric: value} instead of [loss, ...metrics]. */
  returnDict?: boolean;
}

/** Options of predict(). */
export interface PredictOptions {
  /** Samples per batch (default 32). */
  batchSize?: number;
  /** Progress output (default 'auto'). */
  verbose?: Verbose;
  /** Callbacks (their predict hooks are called). */
  callbacks?: Callback[];
}

const FIT_KEYS = ['batchSize', 'epochs', 'verbose', 'callbacks', 'validationSplit', 'validationData', 'shuffle',
  'initialEpoch'];

function checkKeys(op: string, options: object, keys: readonly string[]): void {
  for (const k of Object.keys(options))
    if (!keys.includes(k)) throw new ValueError(`${op}: unknown option "${k}"; expected one of ${keys.join(', ')}`);
}

function verbosity(op: string, v: unknown): number {
  if (v === 'auto') return 1;
  if (v === 0 || v === 1 || v === 2) return v;
  throw new ValueError(`${op}: verbose must be 0, 1, 2 or 'auto', got ${JSON.stringify(v)}`);
}

/** The trainer of a compiled model, or a ValueError saying that `op` needs compile() first. */
export function requireTrainer(model: AnyModel, trainer: Trainer | null, op: string): Trainer {
  if (!trainer)
    throw new ValueError(`${model.constructor.name} "${model.name}": you must call compile() before ${op}()`);
  return trainer;
}

/** Keras `fit`: trains for epochs over batches, evaluates validation data each epoch, returns the History. */
export function fit(model: AnyModel, trainer: Trainer, x: Data, y: Data | null | undefined,
                    options: FitOptions = {}): History {
  const op = `${model.constructor.name} "${model.name}".fit`;
  checkKeys(op, options, FIT_KEYS);
  const { callbacks = [], validationData = null, shuffle = true } = options;
  const batchSize = positiveInt(op, 'batchSize', options.batchSize ?? 32);
  const epochs = positiveInt(op, 'epochs', options.epochs ?? 1);
  const initialEpoch = options.initialEpoch ?? 0;
  if (!Number.isInteger(initialEpoch) || initialEpoch < 0)
    throw new ValueError(`${op}: initialEpoch must be a non-negative integer, got ${JSON.stringify(initialEpoch)}`);
  const verbose = verbosity(op, options.verbose ?? 'auto');
  const split = options.validationSplit ?? 0;
  if (typeof split !== 'number' || !(split >= 0 && split < 1))
    throw new ValueError(`${op}: validationSplit must be in [0, 1), got ${JSON.stringify(split)}`);
  let xs = toTensors(op, 'x', x), ys = toTensors(op, 'y', y);
  let n = sampleCount(op, { x: xs, y: ys });
  let val: [Tensor[], Tensor[]] | null = null;
  if (validationData !== null) {
    if (!Array.isArray(validationData) || validationData.length !== 2)
      throw new ValueError(`${op}: validationData must be [x, y]`);
    val = [toTensors(op, 'validationData x', validationData[0]), toTensors(op, 'validationData y', validationData[1])];
    sampleCount(op, { 'validationData x': val[0], 'validationData y': val[1] });
  } else if (split > 0) {
    // Keras takes the last fraction of the samples, before any shuffling.
    const cut = Math.floor(n * (1 - split));
    if (cut === 0 || cut === n)
      throw new ValueError(`${op}: validationSplit ${split} of ${n} samples leaves an empty training or validation set`);
    val = [sliceRows(xs, cut, n), sliceRows(ys, cut, n)];
    [xs, ys, n] = [sliceRows(xs, 0, cut), sliceRows(ys, 0, cut), cut];
  }
  trainer.ensureBuilt(xs);
  const steps = Math.ceil(n / batchSize);
  const list = new CallbackList(callbacks, model, { epochs, steps, verbose },
    { addHistory: true, addProgbar: verbose > 0 });
  model.stopTraining = false;
  list.onTrainBegin({});
  let epochLogs: Logs = {};
  for (let epoch = initialEpoch; epoch < epochs && !model.stopTraining; epoch++) {
    trainer.resetMetrics();
    list.onEpochBegin(epoch, {});
    const order = shuffle ? permutation(n) : null;
    let logs: Logs = {};
    for (let b = 0; b < steps; b++) {
      list.onTrainBatchBegin(b, {});
      logs = tidy(() => logsToNumbers(trainer.trainStep(...split2(batchAt([...xs, ...ys], b, batchSize, n, order), xs.length))));
      list.onTrainBatchEnd(b, logs);
      if (model.stopTraining) break;
    }
    epochLogs = { ...logs };
    if (val) {
      const valLogs = evaluateLoop(model, trainer, val[0], val[1], batchSize, list);
      for (const [k, v] of Object.entries(valLogs)) epochLogs[`val_${k}`] = v;
    }
    list.onEpochEnd(epoch, epochLogs);
  }
  list.onTrainEnd(epochLogs);
  return list.history!;
}

function split2(ts: Tensor[], nx: number): [Tensor[], Tensor[]] {
  return [ts.slice(0, nx), ts.slice(nx)];
}

function evaluateLoop(model: AnyModel, trainer: Trainer, xs: Tensor[], ys: Tensor[], batchSize: number,
                      list: CallbackList): Logs {
  const n = sampleCount(`${model.constructor.name} "${model.name}".evaluate`, { x: xs, y: ys });
  trainer.resetMetrics();
  list.onTestBegin({});
  let logs: Logs = {};
  for (let b = 0; b < Math.ceil(n / batchSize); b++) {
    list.onTestBatchBegin(b, {});
    logs = tidy(() => logsToNumbers(trainer.testStep(...split2(batchAt([...xs, ...ys], b, batchSize, n, null), xs.length))));
    list.onTestBatchEnd(b, logs);
  }
  list.onTestEnd(logs);
  return logs;
}

/** Keras `evaluate`: the loss and metrics over the data, as [loss, ...metrics] or a dict. */
export function evaluate(model: AnyModel, trainer: Trainer, x: Data, y: Data | null | undefined,
                         options: EvaluateOptions = {}): number[] | Logs {
  const op = `${model.constructor.name} "${model.name}".evaluate`;
  checkKeys(op, options, ['batchSize', 'verbose', 'callbacks', 'returnDict']);
  const batchSize = positiveInt(op, 'batchSize', options.batchSize ?? 32);
  const verbose = verbosity(op, options.verbose ?? 'auto');
  const xs = toTensors(op, 'x', x), ys = toTensors(op, 'y', y);
  const n = sampleCount(op, { x: xs, y: ys });
  trainer.ensureBuilt(xs);
  const list = new CallbackList(options.callbacks ?? [], model, { steps: Math.ceil(n / batchSize), verbose });
  const logs = evaluateLoop(model, trainer, xs, ys, batchSize, list);
  return options.returnDict ? logs : Object.values(logs);
}

/** A predict step runner for `model` (traced once per input signature; predict needs no compile). */
export function makePredictRunner(model: AnyModel, trainer: Trainer | null): StepRunner<Tensor | Tensor[]> {
  const step = (...xs: Tensor[]): Tensor | Tensor[] => model.apply(xs.length === 1 ? xs[0] : xs, { training: false });
  return makeStepRunner('predict_step', step, trainer?.options.runEagerly ?? false,
    trainer?.options.jitCompile ?? true);
}

/** Keras `predict`: the model's outputs over the data, computed in batches and joined along the sample axis. */
export function predict(model: AnyModel, runner: StepRunner<Tensor | Tensor[]>, x: Data,
                        options: PredictOptions = {}): Tensor | Tensor[] {
  const op = `${model.constructor.name} "${model.name}".predict`;
  checkKeys(op, options, ['batchSize', 'verbose', 'callbacks']);
  const batchSize = positiveInt(op, 'batchSize', options.batchSize ?? 32);
  const verbose = verbosity(op, options.verbose ?? 'auto');
  const xs = toTensors(op, 'x', x);
  const n = sampleCount(op, { x: xs });
  const steps = Math.ceil(n / batchSize);
  const list = new CallbackList(options.callbacks ?? [], model, { steps, verbose });
  list.onPredictBegin({});
  const parts: Tensor[][] = [];
  let isList = false;
  for (let b = 0; b < steps; b++) {
    list.onPredictBatchBegin(b, {});
    const out = tidy(() => runner(batchAt(xs, b, batchSize, n, null)));
    isList = Array.isArray(out);
    parts.push(Array.isArray(out) ? out : [out]);
    list.onPredictBatchEnd(b, {});
  }
  list.onPredictEnd({});
  if (parts.length === 0) throw new ValueError(`${op}: no samples to predict`);
  const joined = parts[0].map((_, k) => (parts.length === 1 ? parts[0][k] : concat(parts.map((p) => p[k]), 0)));
  return isList ? joined : joined[0];
}
