// History (keras.callbacks.History): records each epoch's logs; fit returns it.
import { Callback, type Logs } from './callback.js';

/** Per-epoch lists of every log ('loss', metrics, 'val_' ones), and the epoch indices. */
export class History extends Callback {
  /** The epoch indices trained, in order. */
  epoch: number[] = [];
  /** For each log name, its value at the end of each epoch. */
  history: Record<string, number[]> = {};

  override onTrainBegin(): void {
    this.epoch = [];
  }

  override onEpochEnd(epoch: number, logs: Logs): void {
    this.epoch.push(epoch);
    for (const [k, v] of Object.entries(logs)) (this.history[k] ??= []).push(v);
  }
}
