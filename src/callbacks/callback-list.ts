// CallbackList: the callbacks of one fit / evaluate / predict call, called in order, with one shared logs object.
import { ValueError } from '../core/errors.js';
import type { Model } from '../engine/model.js';
import { Callback, type CallbackParams, type Logs } from './callback.js';
import { History } from './history.js';
import { ProgbarLogger } from './progbar-logger.js';

/** Options of CallbackList. */
export interface CallbackListOptions {
  /** Append a History (fit). */
  addHistory?: boolean;
  /** Append a ProgbarLogger (verbose > 0). */
  addProgbar?: boolean;
}

/** The callbacks of one loop: the user's in the order given, then the progress bar and History (Keras order). */
export class CallbackList {
  /** The callbacks, in calling order. */
  readonly callbacks: Callback[];
  /** The History appended for fit, or null. */
  readonly history: History | null;

  constructor(callbacks: readonly Callback[] = [], model: Model, params: CallbackParams,
              options: CallbackListOptions = {}) {
    if (!Array.isArray(callbacks))
      throw new ValueError(`callbacks: expected an array of Callback, got ${typeof callbacks}`);
    callbacks.forEach((c, i) => {
      if (!(c instanceof Callback))
        throw new ValueError(`callbacks: entry ${i} must be a Callback, got ${c === null ? 'null' : typeof c}`);
    });
    this.callbacks = [...callbacks];
    if (options.addProgbar && !callbacks.some((c) => c instanceof ProgbarLogger))
      this.callbacks.push(new ProgbarLogger());
    const history = callbacks.find((c): c is History => c instanceof History);
    this.history = history ?? (options.addHistory ? new History() : null);
    if (this.history && !history) this.callbacks.push(this.history);
    for (const c of this.callbacks) {
      c.setModel(model);
      c.setParams(params);
    }
  }

  /** Calls `hook` on every callback, in order. */
  private each(hook: (c: Callback) => void): void {
    for (const c of this.callbacks) hook(c);
  }

  /** Calls onTrainBegin on each callback. */
  onTrainBegin(logs: Logs): void { this.each((c) => c.onTrainBegin(logs)); }
  /** Calls onTrainEnd on each callback. */
  onTrainEnd(logs: Logs): void { this.each((c) => c.onTrainEnd(logs)); }
  /** Calls onEpochBegin on each callback. */
  onEpochBegin(epoch: number, logs: Logs): void { this.each((c) => c.onEpochBegin(epoch, logs)); }
  /** Calls onEpochEnd on each callback. */
  onEpochEnd(epoch: number, logs: Logs): void { this.each((c) => c.onEpochEnd(epoch, logs)); }
  /** Calls onTrainBatchBegin on each callback. */
  onTrainBatchBegin(batch: number, logs: Logs): void { this.each((c) => c.onTrainBatchBegin(batch, logs)); }
  /** Calls onTrainBatchEnd on each callback. */
  onTrainBatchEnd(batch: number, logs: Logs): void { this.each((c) => c.onTrainBatchEnd(batch, logs)); }
  /** Calls onTestBegin on each callback. */
  onTestBegin(logs: Logs): void { this.each((c) => c.onTestBegin(logs)); }
  /** Calls onTestEnd on each callback. */
  onTestEnd(logs: Logs): void { this.each((c) => c.onTestEnd(logs)); }
  /** Calls onTestBatchBegin on each callback. */
  onTestBatchBegin(batch: number, logs: Logs): void { this.each((c) => c.onTestBatchBegin(batch, logs)); }
  /** Calls onTestBatchEnd on each callback. */
  onTestBatchEnd(batch: number, logs: Logs): void { this.each((c) => c.onTestBatchEnd(batch, logs)); }
  /** Calls onPredictBegin on each callback. */
  onPredictBegin(logs: Logs): void { this.each((c) => c.onPredictBegin(logs)); }
  /** Calls onPredictEnd on each callback. */
  onPredictEnd(logs: Logs): void { this.each((c) => c.onPredictEnd(logs)); }
  /** Calls onPredictBatchBegin on each callback. */
  onPredictBatchBegin(batch: number, logs: Logs): void { this.each((c) => c.onPredictBatchBegin(batch, logs)); }
  /** Calls onPredictBatchEnd on each callback. */
  onPredictBatchEnd(batch: number, logs: Logs): void { this.each((c) => c.onPredictBatchEnd(batch, logs)); }
}
