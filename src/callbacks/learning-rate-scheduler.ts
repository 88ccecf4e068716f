// LearningRateScheduler (keras.callbacks.LearningRateScheduler): at the start of each epoch, sets the optimizer's
// learning rate to schedule(epoch, currentRate); logs 'learning_rate' at the end of each epoch.
import { ValueError } from '../core/errors.js';
import { Callback, type Logs } from './callback.js';

/** A schedule: the learning rate for `epoch` (0-based), given the current rate. */
export type LearningRateSchedulerFn = (epoch: number, learningRate: number) => number;

/** Sets the learning rate from a function of the epoch at the start of every epoch. */
export class LearningRateScheduler extends Callback {
  /**
   * @param schedule the rate for each epoch, from the epoch index and the current rate.
   * @param verbose 1: print the rate set at each epoch (default 0).
   */
  constructor(readonly schedule: LearningRateSchedulerFn, readonly verbose: 0 | 1 = 0) {
    super();
    if (typeof schedule !== 'function')
      throw new ValueError(`LearningRateScheduler: schedule must be a function (epoch, learningRate) => number, ` +
        `got ${typeof schedule}`);
  }

  override onEpochBegin(epoch: number): void {
    const optimizer = this.model!.optimizer;
    const lr = this.schedule(epoch, optimizer.learningRate);
    if (typeof lr !== 'number' || !Number.isFinite(lr))
      throw new ValueError(`LearningRateScheduler: the schedule must return a finite number, got ` +
        `${JSON.stringify(lr)} for epoch ${epoch}`);
    optimizer.learningRate = lr;
    if (this.verbose > 0) console.log(`\nEpoch ${epoch + 1}: LearningRateScheduler setting learning rate to ${lr}.`);
  }

  override onEpochEnd(_epoch: number, logs: Logs): void {
    logs.learning_rate = this.model!.optimizer.learningRate;
  }
}
