// EarlyStopping (keras.callbacks.EarlyStopping): stops fit when a monitored log has stopped improving for
// `patience` epochs, optionally restoring the weights of the best epoch at the end of training.
import { ValueError } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';
import { Callback, type Logs } from './callback.js';

/** Options of EarlyStopping (Keras' arguments, camelCased). */
export interface EarlyStoppingOptions {
  /** The log to watch (default 'val_loss'). */
  monitor?: string;
  /** The least change that counts as an improvement (default 0; its sign is ignored). */
  minDelta?: number;
  /** Epochs without improvement after which training stops (default 0). */
  patience?: number;
  /** 1: print a line when stopping and when restoring weights (default 0). */
  verbose?: 0 | 1;
  /** 'min', 'max', or 'auto' (default): the direction implied by the metric's name. */
  mode?: 'auto' | 'min' | 'max';
  /** A value the monitored log must beat for the patience count to restart (default null: none). */
  baseline?: number | null;
  /** At the end of training, restore the weights of the best epoch seen (default false). */
  restoreBestWeights?: boolean;
  /** Epochs to wait before monitoring starts, a warm-up (default 0). */
  startFromEpoch?: number;
}

const KEYS = ['monitor', 'minDelta', 'patience', 'verbose', 'mode', 'baseline', 'restoreBestWeights', 'startFromEpoch'];

// Keras reads a metric's `_direction`; Kiln's metrics do not carry one, so the direction comes from the name of the
// built-in metric or loss it is (after removing "val_").
const UP = /(^|_)(acc|accuracy|auc|precision|recall|f1_score|fbeta_score|iou|r2_score)$|accuracy$/;
const DOWN = /(^|_)(loss|error|crossentropy|hinge|divergence|poisson|log_cosh|logcosh|mse|mae|mape|msle)$/;

function direction(monitor: string): 'min' | 'max' {
  const name = monitor.startsWith('val_') ? monitor.slice(4) : monitor;
  if (UP.test(name)) return 'max';
  if (DOWN.test(name)) return 'min';
  throw new ValueError(`EarlyStopping: received monitor="${monitor}" but cannot tell whether that metric should ` +
    `be maximized or minimized; pass mode: 'max' to stop on its highest value, or mode: 'min' for its lowest`);
}

function nonNegativeInt(name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0)
    throw new ValueError(`EarlyStopping: ${name} must be a non-negative integer, got ${JSON.stringify(v)}`);
  return v;
}

/** Stops training when the monitored log stops improving. */
export class EarlyStopping extends Callback {
  readonly monitor: string;
  readonly patience: number;
  readonly verbose: 0 | 1;
  readonly mode: 'auto' | 'min' | 'max';
  readonly baseline: number | null;
  readonly restoreBestWeights: boolean;
  readonly startFromEpoch: number;
  /** |minDelta|. */
  readonly minDelta: number;
  /** Epochs since the last improvement (that also beat the baseline). */
  wait = 0;
  /** The epoch (0-based) at which training was stopped, 0 if it was not. */
  stoppedEpoch = 0;
  /** The best monitored value so far (NaN until the first epoch ends, then ±Infinity until a value is seen). */
  best = NaN;
  /** The epoch (0-based) of the best value. */
  bestEpoch = 0;
  /** Copies of the model's weights at the best epoch (restoreBestWeights only). */
  bestWeights: Tensor[] | null = null;
  private better: ((a: number, b: number) => boolean) | null = null;

  constructor(options: EarlyStoppingOptions = {}) {
    super();
    for (const k of Object.keys(options))
      if (!KEYS.includes(k)) throw new ValueError(`EarlyStopping: unknown option "${k}"; expected one of ${KEYS.join(', ')}`);
    const { monitor = 'val_loss', minDelta = 0, patience = 0, verbose = 0, mode = 'auto', baseline = null,
      restoreBestWeights = false, startFromEpoch = 0 } = options;
    if (mode !== 'auto' && mode !== 'min' && mode !== 'max')
      throw new ValueError(`EarlyStopping: mode must be 'auto', 'min' or 'max', got ${JSON.stringify(mode)}`);
    if (typeof minDelta !== 'number' || !Number.isFinite(minDelta))
      throw new ValueError(`EarlyStopping: minDelta must be a finite number, got ${JSON.stringify(minDelta)}`);
    if (baseline !== null && (typeof baseline !== 'number' || Number.isNaN(baseline)))
      throw new ValueError(`EarlyStopping: baseline must be a number or null, got ${JSON.stringify(baseline)}`);
    this.monitor = monitor;
    this.minDelta = Math.abs(minDelta);
    this.patience = nonNegativeInt('patience', patience);
    this.startFromEpoch = nonNegativeInt('startFromEpoch', startFromEpoch);
    this.verbose = verbose;
    this.mode = mode;
    this.baseline = baseline;
    this.restoreBestWeights = restoreBestWeights;
  }

  override onTrainBegin(): void {
    // Instances can be reused; like Keras, `best` carries over between fits once set.
    this.wait = 0;
    this.stoppedEpoch = 0;
    this.bestWeights = null;
    this.bestEpoch = 0;
  }

  override onEpochEnd(epoch: number, logs: Logs): void {
    if (!this.better) {
      const max = (this.mode === 'auto' ? direction(this.monitor) : this.mode) === 'max';
      // An improvement beats the reference by more than minDelta in the monitored direction.
      this.better = max ? (a, b) => a - this.minDelta > b : (a, b) => a + this.minDelta < b;
      this.best = max ? -Infinity : Infinity;
    }
    const current = logs[this.monitor];
    if (current === undefined) {
      console.warn(`EarlyStopping: conditioned on metric "${this.monitor}", which is not available; available ` +
        `metrics are: ${Object.keys(logs).join(',')}`);
      return;
    }
    if (epoch < this.startFromEpoch) return;
    const model = this.model!;
    // If no best weights were kept yet, the current ones are the best.
    if (this.restoreBestWeights && this.bestWeights === null) {
      this.bestWeights = model.getWeights();
      this.bestEpoch = epoch;
    }
    this.wait++;
    if (this.better(current, this.best)) {
      this.best = current;
      this.bestEpoch = epoch;
      if (this.restoreBestWeights) this.bestWeights = model.getWeights();
      // The patience count restarts only when the value beats the baseline as well as the previous best.
      if (this.baseline === null || this.better(current, this.baseline)) this.wait = 0;
      return;
    }
    if (this.wait >= this.patience && epoch > 0) {
      this.stoppedEpoch = epoch;
      model.stopTraining = true;
    }
  }

  override onTrainEnd(): void {
    if (this.stoppedEpoch > 0 && this.verbose > 0) console.log(`Epoch ${this.stoppedEpoch + 1}: early stopping`);
    if (this.restoreBestWeights && this.bestWeights !== null) {
      if (this.verbose > 0)
        console.log(`Restoring model weights from the end of the best epoch: ${this.bestEpoch + 1}.`);
      this.model!.setWeights(this.bestWeights);
    }
  }
}
