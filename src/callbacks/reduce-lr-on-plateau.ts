// ReduceLROnPlateau (keras.callbacks.ReduceLROnPlateau): multiplies the optimizer's learning rate by `factor` when a
// monitored log has not improved for `patience` epochs, then waits `cooldown` epochs; logs 'learning_rate'.
import { ValueError } from '../core/errors.js';
import { Callback, type Logs } from './callback.js';

/** Options of ReduceLROnPlateau (Keras' arguments, camelCased). */
export interface ReduceLROnPlateauOptions {
  /** The log to watch (default 'val_loss'). */
  monitor?: string;
  /** The factor the learning rate is multiplied by, in [0, 1) (default 0.1). */
  factor?: number;
  /** Epochs without improvement after which the rate is reduced (default 10). */
  patience?: number;
  /** 1: print a line at each reduction (default 0). */
  verbose?: 0 | 1;
  /** 'min', 'max', or 'auto' (default): 'max' when the monitor's name contains "acc", else 'min'. */
  mode?: 'auto' | 'min' | 'max';
  /** The least change that counts as an improvement (default 1e-4). */
  minDelta?: number;
  /** Epochs after a reduction during which no new reduction is counted (default 0). */
  cooldown?: number;
  /** Lower bound on the learning rate (default 0). */
  minLr?: number;
}

const KEYS = ['monitor', 'factor', 'patience', 'verbose', 'mode', 'minDelta', 'cooldown', 'minLr'];

function nonNegative(name: string, v: unknown, integer: boolean): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || (integer && !Number.isInteger(v)))
    throw new ValueError(`ReduceLROnPlateau: ${name} must be a non-negative ${integer ? 'integer' : 'number'}, ` +
      `got ${JSON.stringify(v)}`);
  return v;
}

/** Reduces the learning rate when the monitored log has stopped improving. */
export class ReduceLROnPlateau extends Callback {
  readonly monitor: string;
  readonly factor: number;
  readonly patience: number;
  readonly verbose: 0 | 1;
  readonly mode: 'auto' | 'min' | 'max';
  readonly minDelta: number;
  readonly cooldown: number;
  readonly minLr: number;
  /** Epochs since the last improvement. */
  wait = 0;
  /** Epochs of cooldown left. */
  cooldownCounter = 0;
  /** The best monitored value so far. */
  best = Infinity;
  private better: (a: number, b: number) => boolean = () => false;

  constructor(options: ReduceLROnPlateauOptions = {}) {
    super();
    for (const k of Object.keys(options))
      if (!KEYS.includes(k))
        throw new ValueError(`ReduceLROnPlateau: unknown option "${k}"; expected one of ${KEYS.join(', ')}`);
    const { monitor = 'val_loss', factor = 0.1, patience = 10, verbose = 0, mode = 'auto', minDelta = 1e-4,
      cooldown = 0, minLr = 0 } = options;
    if (typeof factor !== 'number' || !(factor >= 0 && factor < 1))
      throw new ValueError(`ReduceLROnPlateau: factor must be in [0, 1), got ${JSON.stringify(factor)}`);
    if (mode !== 'auto' && mode !== 'min' && mode !== 'max')
      throw new ValueError(`ReduceLROnPlateau: mode must be 'auto', 'min' or 'max', got ${JSON.stringify(mode)}`);
    this.monitor = monitor;
    this.factor = factor;
    this.patience = nonNegative('patience', patience, true);
    this.verbose = verbose;
    this.mode = mode;
    this.minDelta = nonNegative('minDelta', minDelta, false);
    this.cooldown = nonNegative('cooldown', cooldown, true);
    this.minLr = nonNegative('minLr', minLr, false);
    this.reset();
  }

  private reset(): void {
    if (this.mode === 'min' || (this.mode === 'auto' && !this.monitor.includes('acc'))) {
      this.better = (a, b) => a < b - this.minDelta;
      this.best = Infinity;
    } else {
      this.better = (a, b) => a > b + this.minDelta;
      this.best = -Infinity;
    }
    this.cooldownCounter = 0;
    this.wait = 0;
  }

  /** True while in cooldown after a reduction. */
  inCooldown(): boolean {
    return this.cooldownCounter > 0;
  }

  override onTrainBegin(): void {
    this.reset();
  }

  override onEpochEnd(epoch: number, logs: Logs): void {
    const optimizer = this.model!.optimizer;
    // The rate used during this epoch, recorded before any reduction (as Keras does).
    logs.learning_rate = optimizer.learningRate;
    const current = logs[this.monitor];
    if (current === undefined) {
      console.warn(`ReduceLROnPlateau: conditioned on metric "${this.monitor}", which is not available; available ` +
        `metrics are: ${Object.keys(logs).join(',')}`);
      return;
    }
    if (this.inCooldown()) {
      this.cooldownCounter--;
      this.wait = 0;
    }
    if (this.better(current, this.best)) {
      this.best = current;
      this.wait = 0;
    } else if (!this.inCooldown()) {
      this.wait++;
      if (this.wait >= this.patience) {
        const oldLr = optimizer.learningRate;
        // The rate is a float32 variable: compare with the float32 bound, or a rate at minLr would keep "reducing".
        if (oldLr > Math.fround(this.minLr)) {
          const newLr = Math.max(oldLr * this.factor, this.minLr);
          optimizer.learningRate = newLr;
          if (this.verbose > 0) console.log(`\nEpoch ${epoch + 1}: ReduceLROnPlateau reducing learning rate to ${newLr}.`);
          this.cooldownCounter = this.cooldown;
          this.wait = 0;
        }
      }
    }
  }
}
