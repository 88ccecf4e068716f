// LambdaCallback (keras.callbacks.LambdaCallback): a callback made of plain functions, for quick one-off hooks.
import { ValueError } from '../core/errors.js';
import { Callback, type Logs } from './callback.js';

/** The hooks of a LambdaCallback; each is optional. */
export interface LambdaCallbackOptions {
  /** At the start of each epoch. */
  onEpochBegin?: (epoch: number, logs: Logs) => void;
  /** At the end of each epoch. */
  onEpochEnd?: (epoch: number, logs: Logs) => void;
  /** Before each training batch. */
  onBatchBegin?: (batch: number, logs: Logs) => void;
  /** After each training batch. */
  onBatchEnd?: (batch: number, logs: Logs) => void;
  /** At the start of fit. */
  onTrainBegin?: (logs: Logs) => void;
  /** At the end of fit. */
  onTrainEnd?: (logs: Logs) => void;
}

const KEYS = ['onEpochBegin', 'onEpochEnd', 'onBatchBegin', 'onBatchEnd', 'onTrainBegin', 'onTrainEnd'];

/** Calls the given functions at the matching fit hooks (batch hooks are the training batches). */
export class LambdaCallback extends Callback {
  private readonly hooks: LambdaCallbackOptions;

  constructor(hooks: LambdaCallbackOptions = {}) {
    super();
    for (const [k, f] of Object.entries(hooks)) {
      if (!KEYS.includes(k)) throw new ValueError(`LambdaCallback: unknown hook "${k}"; expected one of ${KEYS.join(', ')}`);
      if (f !== undefined && typeof f !== 'function')
        throw new ValueError(`LambdaCallback: ${k} must be a function, got ${typeof f}`);
    }
    this.hooks = { ...hooks };
  }

  override onEpochBegin(epoch: number, logs: Logs): void { this.hooks.onEpochBegin?.(epoch, logs); }
  override onEpochEnd(epoch: number, logs: Logs): void { this.hooks.onEpochEnd?.(epoch, logs); }
  override onTrainBatchBegin(batch: number, logs: Logs): void { this.hooks.onBatchBegin?.(batch, logs); }
  override onTrainBatchEnd(batch: number, logs: Logs): void { this.hooks.onBatchEnd?.(batch, logs); }
  override onTrainBegin(logs: Logs): void { this.hooks.onTrainBegin?.(logs); }
  override onTrainEnd(logs: Logs): void { this.hooks.onTrainEnd?.(logs); }
}
