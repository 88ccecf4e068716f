// TerminateOnNaN (keras.callbacks.TerminateOnNaN): stops fit after the first batch whose loss is NaN or infinite.
import { Callback, type Logs } from './callback.js';

/** Stops training as soon as a batch reports a NaN or infinite loss. */
export class TerminateOnNaN extends Callback {
  override onTrainBatchEnd(batch: number, logs: Logs): void {
    const loss = logs.loss;
    if (loss !== undefined && !Number.isFinite(loss)) {
      console.log(`Batch ${batch}: Invalid loss, terminating training`);
      this.model!.stopTraining = true;
    }
  }
}
