// The Callback base class (keras.callbacks.Callback): hooks that fit / evaluate / predict call at the start and end
// of training, testing, prediction, each epoch and each batch. Every hook receives the logs shared by all callbacks.
import type { Model } from '../engine/model.js';

/** Logs passed to the hooks: 'loss', metric names, and 'val_'-prefixed names at epoch end. */
export type Logs = Record<string, number>;

/** What the loop tells callbacks about itself before it starts (Keras `params`). */
export interface CallbackParams {
  /** Number of epochs (fit only). */
  epochs?: number;
  /** Number of batches per epoch (or per evaluate / predict run). */
  steps?: number;
  /** 0 (silent), 1 (progress bar) or 2 (one line per epoch). */
  verbose?: number;
}

/** Base class of callbacks: override the hooks you need; `model` and `params` are set by the loop. */
export class Callback {
  /** The model being trained, evaluated or run (set before the first hook). */
  model: Model | null = null;
  /** The loop's parameters (set before the first hook). */
  params: CallbackParams = {};

  /** Called by the loop before any hook. */
  setModel(model: Model): void {
    this.model = model;
  }

  /** Called by the loop before any hook. */
  setParams(params: CallbackParams): void {
    this.params = params;
  }

  /** At the start of fit. */
  onTrainBegin(logs: Logs): void { void logs; }
  /** At the end of fit, with the last epoch's logs. */
  onTrainEnd(logs: Logs): void { void logs; }
  /** At the start of each epoch (0-based index). */
  onEpochBegin(epoch: number, logs: Logs): void { void epoch; void logs; }
  /** At the end of each epoch, with its training and validation logs. */
  onEpochEnd(epoch: number, logs: Logs): void { void epoch; void logs; }
  /** Before each training batch. */
  onTrainBatchBegin(batch: number, logs: Logs): void { void batch; void logs; }
  /** After each training batch, with the running metrics of the epoch. */
  onTrainBatchEnd(batch: number, logs: Logs): void { void batch; void logs; }
  /** At the start of evaluate (also for fit's validation). */
  onTestBegin(logs: Logs): void { void logs; }
  /** At the end of evaluate, with its results. */
  onTestEnd(logs: Logs): void { void logs; }
  /** Before each evaluation batch. */
  onTestBatchBegin(batch: number, logs: Logs): void { void batch; void logs; }
  /** After each evaluation batch, with the running metrics. */
  onTestBatchEnd(batch: number, logs: Logs): void { void batch; void logs; }
  /** At the start of predict. */
  onPredictBegin(logs: Logs): void { void logs; }
  /** At the end of predict. */
  onPredictEnd(logs: Logs): void { void logs; }
  /** Before each prediction batch. */
  onPredictBatchBegin(batch: number, logs: Logs): void { void batch; void logs; }
  /** After each prediction batch. */
  onPredictBatchEnd(batch: number, logs: Logs): void { void batch; void logs; }
}
