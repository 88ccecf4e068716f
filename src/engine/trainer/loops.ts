// fit / evaluate / predict: their options, checked, and their data turned into batch sources; the loops themselves
// are in epoch-loop.ts. Array data stays synchronous; an async iterable makes the call return a Promise.
import { ValueError } from '../../core/errors.js';
import type { Tensor } from '../../core/tensor.js';
import { CallbackList } from '../../callbacks/callback-list.js';
import type { Callback, Logs } from '../../callbacks/callback.js';
import type { History } from '../../callbacks/history.js';
import { defaultSeed } from '../default-seed.js';
import type { LayerIO, LayerOutput } from '../layer.js';
import type { Model } from '../model.js';
import { ioNamesOf, isAsyncData, isBatchIterable, weightsOf, type BatchLike, type IONames } from './batches.js';
import { checkClassWeight, positiveInt, sampleCount, sliceRows, toTensors, type Data } from './data.js';
import { runAsync, runSync, type Loop } from './drive.js';
import { evaluateLoop, fitLoop, predictLoop, type PredictRunner } from './epoch-loop.js';
import { arraySource, iterableSource, type BatchSource } from './sources.js';
import { makeStepRunner } from './step-runner.js';
import { makeMultiStepRunner } from './multi-step.js';
import type { Trainer } from './trainer.js';

export type { PredictRunner } from './epoch-loop.js';

type AnyModel = Model<LayerIO, LayerIO>;

/** Data given as a (sync) iterable of batches: each x, [x], [x, y] or [x, y, sampleWeight]. */
export type BatchIterable = Iterable<BatchLike>;

/** Data given as an async iterable of batches; fit / evaluate / predict then return a Promise. */
export type AsyncBatchIterable = AsyncIterable<BatchLike>;

/** What fit / evaluate / predict accept as x: arrays, or an iterable of batches. */
export type InputData = Data | BatchIterable | AsyncBatchIterable;

/** Verbosity: 0 silent, 1 progress bar (plain lines when not a TTY), 2 one line per epoch; 'auto' is 1. */
export type Verbose = 0 | 1 | 2 | 'auto';

/** Options of fit() (Keras `fit`). */
export interface FitOptions {
  /** Samples per batch (default 32); the last batch may be smaller. Arrays only. */
  batchSize?: number;
  /** Epochs to train until (default 1). */
  epochs?: number;
  /** Progress output (default 'auto'). */
  verbose?: Verbose;
  /** Callbacks, called in this order, before the progress bar and History. */
  callbacks?: Callback[];
  /** Fraction of the samples, taken from the end before shuffling, held out for validation. Arrays only. */
  validationSplit?: number;
  /** [x, y] or [x, y, sampleWeight], or an iterable of batches, evaluated after epochs (overrides validationSplit). */
  validationData?: readonly [Data, Data | null] | readonly [Data, Data | null, Data | null] | BatchIterable |
    AsyncBatchIterable | null;
  /**
   * Shuffle the training samples before each epoch (default true; per (seed, epoch), see permutation), or with
   * 'batch' shuffle the order of the batches only, each a contiguous run of samples (Keras shuffle='batch'; the
   * partial batch stays last). Arrays only.
   */
  shuffle?: boolean | 'batch';
  /** A weight per class index, applied to the training samples through their targets (one output only). */
  classWeight?: Readonly<Record<number, number>> | null;
  /** A weight per training sample ([n], or [n, steps] for sequences), or one such array per output. Arrays only. */
  sampleWeight?: Data | null;
  /** The epoch to start from (default 0), for resuming. */
  initialEpoch?: number;
  /** Batches per epoch (default: all of them; with an iterable, taken from one iterator that lives across epochs). */
  stepsPerEpoch?: number | null;
  /** Batches of validation data per validation (default: all of them). */
  validationSteps?: number | null;
  /** Samples per validation batch (default batchSize). */
  validationBatchSize?: number | null;
  /** Validate after every N-th epoch, or after the listed epochs (1-based) (default 1). */
  validationFreq?: number | readonly number[];
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
  /** A weight per sample, or one such array per output. Arrays only. */
  sampleWeight?: Data | null;
  /** Batches to evaluate (default: all of them). */
  steps?: number | null;
}

/** Options of predict(). */
export interface PredictOptions {
  /** Samples per batch (default 32). */
  batchSize?: number;
  /** Progress output (default 'auto'). */
  verbose?: Verbose;
  /** Callbacks (their predict hooks are called). */
  callbacks?: Callback[];
  /** Batches to predict (default: all of them). */
  steps?: number | null;
}

const FIT_KEYS = ['batchSize', 'epochs', 'verbose', 'callbacks', 'validationSplit', 'validationData', 'shuffle',
  'classWeight', 'sampleWeight', 'initialEpoch', 'stepsPerEpoch', 'validationSteps', 'validationBatchSize',
  'validationFreq'];

function checkKeys(op: string, options: object, keys: readonly string[]): void {
  for (const k of Object.keys(options))
    if (!keys.includes(k)) throw new ValueError(`${op}: unknown option "${k}"; expected one of ${keys.join(', ')}`);
}

function verbosity(op: string, v: unknown): number {
  if (v === 'auto') return 1;
  if (v === 0 || v === 1 || v === 2) return v;
  throw new ValueError(`${op}: verbose must be 0, 1, 2 or 'auto', got ${JSON.stringify(v)}`);
}

const optionalInt = (op: string, name: string, v: unknown): number | null =>
  (v === null || v === undefined ? null : positiveInt(op, name, v));

/** The trainer of a compiled model, or a ValueError saying that `op` needs compile() first. */
export function requireTrainer(model: AnyModel, trainer: Trainer | null, op: string): Trainer {
  if (!trainer)
    throw new ValueError(`${model.constructor.name} "${model.name}": you must call compile() before ${op}()`);
  return trainer;
}

/** Runs `loop` synchronously, or as a Promise when any of its data is async. */
function drive<R>(op: string, loop: Loop<R>, isAsync: boolean): R | Promise<R> {
  return isAsync ? runAsync(loop) : runSync(op, loop);
}

/** Iterable data takes no y or sampleWeight (they come in its batches). */
function checkIterableArgs(op: string, y: unknown, extra: Record<string, unknown>): void {
  if (y !== null && y !== undefined)
    throw new ValueError(`${op}: y must not be given when x is an iterable of batches; yield [x, y] batches instead`);
  for (const [k, v] of Object.entries(extra))
    if (v !== null && v !== undefined && v !== 0)
      throw new ValueError(`${op}: ${k} is not supported when x is an iterable of batches`);
}

/** A batch source over arrays x, y, sampleWeight (in order; not shuffled). */
function arrays(op: string, names: IONames, x: Data, y: Data | null | undefined, sw: Data | null | undefined,
                batchSize: number, steps: number | null): BatchSource {
  const xs = toTensors(op, 'x', x, names.inputs), ys = toTensors(op, 'y', y, names.outputs);
  const sws = toTensors(op, 'sampleWeight', sw, names.outputs);
  const n = sampleCount(op, { x: xs, y: ys, sampleWeight: sws });
  return arraySource(op, { xs, ys, sws }, n, batchSize, null, steps);
}

function validationSource(op: string, names: IONames, options: FitOptions, batchSize: number): BatchSource | null {
  const v = options.validationData ?? null;
  const steps = optionalInt(op, 'validationSteps', options.validationSteps);
  const vbs = optionalInt(op, 'validationBatchSize', options.validationBatchSize) ?? batchSize;
  if (v === null) return null;
  if (isBatchIterable(v)) return iterableSource(op, v, names, null, steps);
  if (!Array.isArray(v) || v.length < 2 || v.length > 3)
    throw new ValueError(`${op}: validationData must be [x, y], [x, y, sampleWeight] or an iterable of batches`);
  const [vx, vy, vsw] = v as readonly [Data, Data | null, Data | null | undefined];
  return arrays(`${op} validationData`, names, vx, vy, vsw, vbs, steps);
}

function validationFreq(op: string, f: unknown): (epoch: number) => boolean {
  if (Array.isArray(f) && f.every((e) => Number.isInteger(e))) return (epoch) => f.includes(epoch);
  const n = positiveInt(op, 'validationFreq', f);
  return (epoch) => epoch % n === 0;
}

/** Keras `fit`: trains for epochs over batches, validates after the chosen epochs, returns the History. */
export function fit(model: AnyModel, trainer: Trainer, x: InputData, y: Data | null | undefined,
                    options: FitOptions = {}): History | Promise<History> {
  const op = `${model.constructor.name} "${model.name}".fit`;
  checkKeys(op, options, FIT_KEYS);
  const { callbacks = [], shuffle = true } = options;
  if (shuffle !== true && shuffle !== false && shuffle !== 'batch')
    throw new ValueError(`${op}: shuffle must be true, false or 'batch', got ${JSON.stringify(shuffle)}`);
  const batchSize = positiveInt(op, 'batchSize', options.batchSize ?? 32);
  const epochs = positiveInt(op, 'epochs', options.epochs ?? 1);
  const initialEpoch = options.initialEpoch ?? 0;
  if (!Number.isInteger(initialEpoch) || initialEpoch < 0)
    throw new ValueError(`${op}: initialEpoch must be a non-negative integer, got ${JSON.stringify(initialEpoch)}`);
  const verbose = verbosity(op, options.verbose ?? 'auto');
  const split = options.validationSplit ?? 0;
  if (typeof split !== 'number' || !(split >= 0 && split < 1))
    throw new ValueError(`${op}: validationSplit must be in [0, 1), got ${JSON.stringify(split)}`);
  const stepsPerEpoch = optionalInt(op, 'stepsPerEpoch', options.stepsPerEpoch);
  const classWeight = options.classWeight ? checkClassWeight(op, options.classWeight) : null;
  const freq = validationFreq(op, options.validationFreq ?? 1);
  const names = ioNamesOf(model);
  let train: BatchSource;
  let val = validationSource(op, names, options, batchSize);
  if (isBatchIterable(x)) {
    checkIterableArgs(op, y, { sampleWeight: options.sampleWeight, validationSplit: split });
    train = iterableSource(op, x, names, classWeight, stepsPerEpoch);
  } else {
    let xs = toTensors(op, 'x', x, names.inputs), ys = toTensors(op, 'y', y, names.outputs);
    let sws = toTensors(op, 'sampleWeight', options.sampleWeight, names.outputs);
    let n = sampleCount(op, { x: xs, y: ys, sampleWeight: sws });
    if (val === null && split > 0) {
      // Keras takes the last fraction of the samples, before any shuffling.
      const cut = Math.floor(n * (1 - split));
      if (cut === 0 || cut === n)
        throw new ValueError(`${op}: validationSplit ${split} of ${n} samples leaves an empty training or validation set`);
      val = arraySource(op, { xs: sliceRows(xs, cut, n), ys: sliceRows(ys, cut, n), sws: sliceRows(sws, cut, n) },
        n - cut, optionalInt(op, 'validationBatchSize', options.validationBatchSize) ?? batchSize, null,
        optionalInt(op, 'validationSteps', options.validationSteps));
      [xs, ys, sws, n] = [sliceRows(xs, 0, cut), sliceRows(ys, 0, cut), sliceRows(sws, 0, cut), cut];
    }
    // Class weights become sample weights once, over the whole training set (not the validation data, as Keras).
    sws = weightsOf(op, ys, sws, classWeight);
    trainer.ensureBuilt(xs);
    // One seed per fit, drawn from the global generator; each epoch's order depends only on (seed, epoch).
    train = arraySource(op, { xs, ys, sws }, n, batchSize, shuffle ? defaultSeed() : null, stepsPerEpoch,
      shuffle === 'batch' ? 'batch' : 'sample');
  }
  const list = new CallbackList(callbacks, model, { epochs, steps: train.steps ?? undefined, verbose },
    { addHistory: true, addProgbar: verbose > 0 });
  const loop = fitLoop(model, trainer, { epochs, initialEpoch, list, train, validation: val && { source: val, freq } });
  return drive(op, loop, isAsyncData(x) || isAsyncData(options.validationData));
}

/** Keras `evaluate`: the loss and metrics over the data, as [loss, ...metrics] or a dict. */
export function evaluate(model: AnyModel, trainer: Trainer, x: InputData, y: Data | null | undefined,
                         options: EvaluateOptions = {}): number[] | Logs | Promise<number[] | Logs> {
  const op = `${model.constructor.name} "${model.name}".evaluate`;
  checkKeys(op, options, ['batchSize', 'verbose', 'callbacks', 'returnDict', 'sampleWeight', 'steps']);
  const batchSize = positiveInt(op, 'batchSize', options.batchSize ?? 32);
  const verbose = verbosity(op, options.verbose ?? 'auto');
  const steps = optionalInt(op, 'steps', options.steps);
  const names = ioNamesOf(model);
  let source: BatchSource;
  if (isBatchIterable(x)) {
    checkIterableArgs(op, y, { sampleWeight: options.sampleWeight });
    source = iterableSource(op, x, names, null, steps);
  } else source = arrays(op, names, x, y, options.sampleWeight, batchSize, steps);
  const list = new CallbackList(options.callbacks ?? [], model, { steps: source.steps ?? undefined, verbose });
  const shape = (logs: Logs): number[] | Logs => (options.returnDict ? logs : Object.values(logs));
  const out = drive(op, evaluateLoop(model, trainer, source, list), isAsyncData(x));
  return out instanceof Promise ? out.then(shape) : shape(out);
}

/** The predict step runners of `model` (traced once per input signature; predict needs no compile). */
export function makePredictRunner(model: AnyModel, trainer: Trainer | null): PredictRunner {
  const step = (...xs: Tensor[]): LayerOutput => model.apply(xs.length === 1 ? xs[0] : xs, { training: false });
  const runEagerly = trainer?.options.runEagerly ?? false, jitCompile = trainer?.options.jitCompile ?? true;
  const single = makeStepRunner('predict_step', step, runEagerly, jitCompile);
  return {
    single,
    multi: makeMultiStepRunner('predict_step', step, single, jitCompile && !runEagerly),
    stepsPerExecution: trainer?.options.stepsPerExecution ?? 1,
  };
}

/** Keras `predict`: the model's outputs over the data, computed in batches and joined along the sample axis. */
export function predict(model: AnyModel, runner: PredictRunner, x: InputData,
                        options: PredictOptions = {}): LayerOutput | Promise<LayerOutput> {
  const op = `${model.constructor.name} "${model.name}".predict`;
  checkKeys(op, options, ['batchSize', 'verbose', 'callbacks', 'steps']);
  const batchSize = positiveInt(op, 'batchSize', options.batchSize ?? 32);
  const verbose = verbosity(op, options.verbose ?? 'auto');
  const steps = optionalInt(op, 'steps', options.steps);
  const names = ioNamesOf(model);
  const source = isBatchIterable(x) ? iterableSource(op, x, names, null, steps)
    : arrays(op, { inputs: names.inputs, outputs: null }, x, null, null, batchSize, steps);
  const list = new CallbackList(options.callbacks ?? [], model, { steps: source.steps ?? undefined, verbose });
  return drive(op, predictLoop(model, runner, source, list), isAsyncData(x));
}
