// The loops of fit, evaluate and predict over a BatchSource, written as generators (see drive.ts) so that one loop
// serves sync and async data. Logs become numbers once per executed group of batches (one host read of a few
// scalars), as Keras does for callbacks; with stepsPerExecution = K a group is K batches and batch-level callbacks
// see its first index (begin) and its last (end).
import { Tensor } from '../../core/tensor.js';
import { tidy } from '../../core/tidy.js';
import { concat } from '../../ops/prims/concat.js';
import type { CallbackList } from '../../callbacks/callback-list.js';
import type { Logs } from '../../callbacks/callback.js';
import type { History } from '../../callbacks/history.js';
import { flattenOutputs, type LayerIO, type LayerOutput } from '../layer.js';
import type { Model } from '../model.js';
import { ValueError } from '../../core/errors.js';
import type { Batch } from './batches.js';
import type { Loop, Pull } from './drive.js';
import type { BatchSource } from './sources.js';
import type { MultiStepRunner } from './multi-step.js';
import type { StepRunner } from './step-runner.js';
import { logsToNumbers, type Trainer } from './trainer.js';

type AnyModel = Model<LayerIO, LayerIO>;

/** Pulls up to `max` batches from `it`; `ended` tells that the iterator ran out. */
function* pullGroup(it: Pull, source: BatchSource, max: number):
  Generator<Pull, { batches: Batch[]; ended: boolean }, IteratorResult<unknown>> {
  const batches: Batch[] = [];
  while (batches.length < max) {
    const r = yield it;
    if (r.done) return { batches, ended: true };
    batches.push(source.toBatch(r.value));
  }
  return { batches, ended: false };
}

/** What fitLoop needs besides the model and trainer. */
export interface FitPlan {
  readonly epochs: number;
  readonly initialEpoch: number;
  readonly list: CallbackList;
  readonly train: BatchSource;
  /** Validation batches and the epochs (1-based) to validate after, or null. */
  readonly validation: { readonly source: BatchSource; readonly freq: (epoch: number) => boolean } | null;
}

/** Keras `fit`'s loop: epochs of train steps, K per group, validation at the chosen epochs; returns the History. */
export function* fitLoop(model: AnyModel, trainer: Trainer, plan: FitPlan): Loop<History> {
  const { list, train } = plan;
  const K = trainer.options.stepsPerExecution;
  model.stopTraining = false;
  model.resumeEpoch = null;
  list.onTrainBegin({});
  // A callback that restored an interrupted run (BackupAndRestore) says where it left off.
  const initialEpoch = model.resumeEpoch ?? plan.initialEpoch;
  let epochLogs: Logs = {};
  for (let epoch = initialEpoch; epoch < plan.epochs && !model.stopTraining; epoch++) {
    trainer.resetMetrics();
    list.onEpochBegin(epoch, {});
    const it = train.epoch(epoch);
    let logs: Logs = {};
    let step = 0;
    for (;;) {
      const max = train.steps === null ? K : Math.min(K, train.steps - step);
      if (max <= 0) break;
      const { batches, ended } = yield* pullGroup(it, train, max);
      if (batches.length > 0) {
        trainer.ensureBuilt(batches[0].xs);
        list.onTrainBatchBegin(step, {});
        logs = tidy(() => logsToNumbers(trainer.trainSteps(batches)));
        for (const b of batches) train.release(b);
        step += batches.length;
        list.onTrainBatchEnd(step - 1, logs);
      }
      if (ended && (train.steps !== null || step === 0)) {
        // Keras: the data ran out before the epoch's steps (a generator used up by an earlier epoch, say).
        console.warn(`${model.constructor.name} "${model.name}".fit: your input ran out of data after ${step} ` +
          `batches of epoch ${epoch + 1}; interrupting training (use stepsPerEpoch, or an iterable that can be ` +
          `iterated once per epoch)`);
        model.stopTraining = true;
      }
      if (ended || model.stopTraining) break;
    }
    epochLogs = { ...logs };
    if (plan.validation && plan.validation.freq(epoch + 1) && step > 0) {
      const valLogs = yield* evaluateLoop(model, trainer, plan.validation.source, list);
      for (const [k, v] of Object.entries(valLogs)) epochLogs[`val_${k}`] = v;
    }
    list.onEpochEnd(epoch, epochLogs);
  }
  list.onTrainEnd(epochLogs);
  return list.history!;
}

/** Keras `evaluate`'s loop: test steps over one pass of the source, K per group; returns the final logs. */
export function* evaluateLoop(model: AnyModel, trainer: Trainer, source: BatchSource, list: CallbackList): Loop<Logs> {
  const K = trainer.options.stepsPerExecution;
  trainer.resetMetrics();
  list.onTestBegin({});
  const it = source.epoch(0);
  let logs: Logs = {};
  for (let step = 0; source.steps === null || step < source.steps;) {
    const max = source.steps === null ? K : Math.min(K, source.steps - step);
    const { batches, ended } = yield* pullGroup(it, source, max);
    if (batches.length > 0) {
      trainer.ensureBuilt(batches[0].xs);
      list.onTestBatchBegin(step, {});
      logs = tidy(() => logsToNumbers(trainer.testSteps(batches)));
      for (const b of batches) source.release(b);
      step += batches.length;
      list.onTestBatchEnd(step - 1, logs);
    }
    if (ended) break;
  }
  list.onTestEnd(logs);
  return logs;
}

/** predict's step runners: one batch, and K batches per native call (compile's stepsPerExecution, else 1). */
export interface PredictRunner {
  readonly single: StepRunner<LayerOutput>;
  readonly multi: MultiStepRunner<LayerOutput>;
  readonly stepsPerExecution: number;
}

/** Keras `predict`'s loop: the outputs of each batch, K batches per group, joined along the sample axis. */
export function* predictLoop(model: AnyModel, runner: PredictRunner, source: BatchSource,
                             list: CallbackList): Loop<LayerOutput> {
  const K = runner.stepsPerExecution;
  list.onPredictBegin({});
  const it = source.epoch(0);
  const parts: Tensor[][] = [];
  let isList = false;
  // A functional model built with a record of outputs gives a record (Keras 3 dict outputs).
  let keys: string[] | null = null;
  for (let step = 0; source.steps === null || step < source.steps;) {
    const max = source.steps === null ? K : Math.min(K, source.steps - step);
    const { batches, ended } = yield* pullGroup(it, source, max);
    if (batches.length > 0) {
      list.onPredictBatchBegin(step, {});
      // One part per batch, or one per stacked native call (already joined along the sample axis).
      const outs = tidy(() => (batches.length === 1 ? [runner.single(batches[0].xs)]
        : runner.multi.collect(batches.map((b) => b.xs))));
      const flat: Tensor[] = [];
      for (const out of outs) {
        isList = Array.isArray(out);
        keys = out instanceof Tensor || Array.isArray(out) ? null : Object.keys(out);
        parts.push(flattenOutputs(out));
        flat.push(...flattenOutputs(out));
      }
      // An input the model passes through as an output is kept.
      for (const b of batches) source.release({ ...b, xs: b.xs.filter((t) => !flat.includes(t)) });
      step += batches.length;
      list.onPredictBatchEnd(step - 1, {});
    }
    if (ended) break;
  }
  list.onPredictEnd({});
  if (parts.length === 0)
    throw new ValueError(`${model.constructor.name} "${model.name}".predict: no samples to predict`);
  const joined = parts[0].map((_, k) => (parts.length === 1 ? parts[0][k] : concat(parts.map((p) => p[k]), 0)));
  if (keys) return Object.fromEntries(keys.map((k, i) => [k, joined[i]]));
  return isList ? joined : joined[0];
}
