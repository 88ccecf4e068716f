// ModelCheckpoint (keras.callbacks.ModelCheckpoint): saves the model (or its weights) at the end of every epoch or
// every N batches, to a file name formatted from the epoch and the logs; optionally only when the monitored value
// improves on the best seen so far.
import fs from 'node:fs';
import path from 'node:path';
import { ValueError } from '../core/errors.js';
import { Callback, type Logs } from './callback.js';
import { formatPath } from './format-path.js';

/** Options of ModelCheckpoint. */
export interface ModelCheckpointOptions {
  /**
   * Where to save, ending in `.kiln`; may hold `{epoch}` (1-based), `{batch}` (1-based, batch-level saves) and
   * log names with Python format specs: `ckpt-{epoch:02d}-{val_loss:.4f}.kiln`.
   */
  filepath: string;
  /** The log to watch for saveBestOnly (default 'val_loss'). */
  monitor?: string;
  /** 1: print a line at each save (default 0). */
  verbose?: 0 | 1;
  /** Save only when the monitored value improves on the best so far (default false). */
  saveBestOnly?: boolean;
  /** Save only the weights (model.saveWeights) instead of the whole model (default false). */
  saveWeightsOnly?: boolean;
  /** Whether lower ('min') or higher ('max') is better; 'auto' (default) picks 'max' for accuracy-like names. */
  mode?: 'auto' | 'min' | 'max';
  /** 'epoch' (default) or a number of batches between saves. */
  saveFreq?: 'epoch' | number;
  /** The value the first improvement has to beat (default: none, the first value always improves). */
  initialValueThreshold?: number | null;
}

const KEYS = ['filepath', 'monitor', 'verbose', 'saveBestOnly', 'saveWeightsOnly', 'mode', 'saveFreq',
  'initialValueThreshold'];

/** Saves the model during fit, every epoch or every saveFreq batches, or only its best version so far. */
export class ModelCheckpoint extends Callback {
  readonly filepath: string;
  readonly monitor: string;
  readonly verbose: 0 | 1;
  readonly saveBestOnly: boolean;
  readonly saveWeightsOnly: boolean;
  readonly saveFreq: 'epoch' | number;
  /** The best monitored value so far (±Infinity before the first). */
  best: number;
  private readonly better: (current: number, best: number) => boolean;
  private currentEpoch = 0;
  private batchesSinceSave = 0;
  private lastBatchSeen = 0;

  constructor(options: ModelCheckpointOptions) {
    super();
    if (typeof options !== 'object' || options === null)
      throw new ValueError('ModelCheckpoint: expected options {filepath, ...}');
    for (const k of Object.keys(options))
      if (!KEYS.includes(k)) throw new ValueError(`ModelCheckpoint: unknown option "${k}"; expected one of ${KEYS.join(', ')}`);
    const { filepath, monitor = 'val_loss', verbose = 0, saveBestOnly = false, saveWeightsOnly = false,
      mode = 'auto', saveFreq = 'epoch', initialValueThreshold = null } = options;
    if (typeof filepath !== 'string' || !filepath.endsWith('.kiln'))
      throw new ValueError(`ModelCheckpoint: filepath must be a string ending in ".kiln", got ${JSON.stringify(filepath)}`);
    if (mode !== 'auto' && mode !== 'min' && mode !== 'max')
      throw new ValueError(`ModelCheckpoint: mode must be 'auto', 'min' or 'max', got ${JSON.stringify(mode)}`);
    if (saveFreq !== 'epoch' && !(Number.isInteger(saveFreq) && saveFreq > 0))
      throw new ValueError(`ModelCheckpoint: saveFreq must be 'epoch' or a positive integer, got ${JSON.stringify(saveFreq)}`);
    if (initialValueThreshold !== null && typeof initialValueThreshold !== 'number')
      throw new ValueError(`ModelCheckpoint: initialValueThreshold must be a number, got ${JSON.stringify(initialValueThreshold)}`);
    this.filepath = filepath;
    this.monitor = monitor;
    this.verbose = verbose;
    this.saveBestOnly = saveBestOnly;
    this.saveWeightsOnly = saveWeightsOnly;
    this.saveFreq = saveFreq;
    // Keras: 'auto' treats accuracy-like metrics as higher-is-better, everything else as lower-is-better.
    const max = mode === 'max' || (mode === 'auto' && (monitor.includes('acc') || monitor.startsWith('fmeasure')));
    this.better = max ? (c, b) => c > b : (c, b) => c < b;
    this.best = initialValueThreshold ?? (max ? -Infinity : Infinity);
  }

  override onEpochBegin(epoch: number): void {
    this.currentEpoch = epoch;
  }

  override onTrainBatchEnd(batch: number, logs: Logs): void {
    if (this.shouldSaveOnBatch(batch)) this.save(this.currentEpoch, batch, logs);
  }

  override onEpochEnd(epoch: number, logs: Logs): void {
    if (this.saveFreq === 'epoch') this.save(epoch, null, logs);
  }

  // Counts batches across epochs (batch indices restart each epoch), as Keras does.
  private shouldSaveOnBatch(batch: number): boolean {
    if (this.saveFreq === 'epoch') return false;
    this.batchesSinceSave += batch <= this.lastBatchSeen ? batch + 1 : batch - this.lastBatchSeen;
    this.lastBatchSeen = batch;
    if (this.batchesSinceSave < this.saveFreq) return false;
    this.batchesSinceSave = 0;
    return true;
  }

  /** The file name for a save at `epoch` (0-based) and `batch` (0-based, null at epoch end). */
  filePathFor(epoch: number, batch: number | null, logs: Logs): string {
    const values: Record<string, number> = { ...logs, epoch: epoch + 1 };
    if (batch !== null && !('batch' in logs)) values.batch = batch + 1;
    try {
      return formatPath(this.filepath, values);
    } catch (e) {
      throw new ValueError(`ModelCheckpoint: failed to format the filepath "${this.filepath}": ${(e as Error).message}`);
    }
  }

  private save(epoch: number, batch: number | null, logs: Logs): void {
    const model = this.model;
    if (!model) return;
    const file = this.filePathFor(epoch, batch, logs);
    if (fs.existsSync(file) && fs.statSync(file).isDirectory())
      throw new ValueError(`ModelCheckpoint: the filepath is an existing directory: ${file}; give a file name`);
    const dir = path.dirname(file);
    if (dir) fs.mkdirSync(dir, { recursive: true });
    if (this.saveBestOnly) {
      const current = logs[this.monitor];
      if (typeof current !== 'number') {
        console.warn(`ModelCheckpoint: can save best model only with ${this.monitor} available, skipping ` +
          `(logs have: ${Object.keys(logs).join(', ') || 'nothing'})`);
        return;
      }
      if (!this.better(current, this.best)) {
        if (this.verbose > 0)
          console.log(`\nEpoch ${epoch + 1}: ${this.monitor} did not improve from ${this.best.toFixed(5)}`);
        return;
      }
      if (this.verbose > 0)
        console.log(`\nEpoch ${epoch + 1}: ${this.monitor} improved from ${this.best.toFixed(5)} to ` +
          `${current.toFixed(5)}, saving model to ${file}`);
      this.best = current;
    } else if (this.verbose > 0) {
      console.log(`\nEpoch ${epoch + 1}: saving model to ${file}`);
    }
    if (this.saveWeightsOnly) model.saveWeights(file);
    else model.save(file);
  }
}
