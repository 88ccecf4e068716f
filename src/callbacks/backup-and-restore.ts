// BackupAndRestore (keras.callbacks.BackupAndRestore): backs up the training state (weights, optimizer state, the
// epochs done) into backupDir after every epoch (or every N batches); when fit starts and a backup is there, it
// restores it and fit goes on from the next epoch. fit shuffles per (seed, epoch) with a seed drawn from the global
// generator, so a resumed run that seeds it the same way (kiln.ops.setRandomSeed) and builds the same model ends
// with exactly the weights of an uninterrupted one. Not restored: layers' own random streams (Dropout's
// SeedGenerator counter), so a model with dropout resumes with other masks. The backup is deleted when training
// ends normally.
import fs from 'node:fs';
import path from 'node:path';
import { ValueError } from '../core/errors.js';
import { loadTrainingState, saveTrainingState } from '../saving/training-state.js';
import { Callback } from './callback.js';

/** Options of BackupAndRestore. */
export interface BackupAndRestoreOptions {
  /** The directory that holds the backup (created when needed). */
  backupDir: string;
  /**
   * 'epoch' (default): back up at each epoch end. A number N: every N batches as well; a run restored from such a
   * backup repeats the interrupted epoch from its start, with the weights of that batch (as in Keras).
   */
  saveFreq?: 'epoch' | number;
  /** Delete the backup when fit ends normally (default true). */
  deleteCheckpoint?: boolean;
}

const FILE = 'backup.kiln';

/** Makes fit resumable after an interruption: backs up at each epoch end, restores at the next fit's start. */
export class BackupAndRestore extends Callback {
  readonly backupDir: string;
  readonly saveFreq: 'epoch' | number;
  readonly deleteCheckpoint: boolean;
  private epochsDone = 0;
  private batchesSinceSave = 0;
  private lastBatchSeen = 0;

  constructor(options: BackupAndRestoreOptions) {
    super();
    const { backupDir, saveFreq = 'epoch', deleteCheckpoint = true } = options ?? ({} as BackupAndRestoreOptions);
    for (const k of Object.keys(options ?? {}))
      if (!['backupDir', 'saveFreq', 'deleteCheckpoint'].includes(k))
        throw new ValueError(`BackupAndRestore: unknown option "${k}"; expected backupDir, saveFreq, deleteCheckpoint`);
    if (typeof backupDir !== 'string' || backupDir === '')
      throw new ValueError(`BackupAndRestore: backupDir must be a non-empty path, got ${JSON.stringify(backupDir)}`);
    if (saveFreq !== 'epoch' && !(Number.isInteger(saveFreq) && saveFreq > 0))
      throw new ValueError(`BackupAndRestore: saveFreq must be 'epoch' or a positive integer, got ${JSON.stringify(saveFreq)}`);
    this.backupDir = backupDir;
    this.saveFreq = saveFreq;
    this.deleteCheckpoint = deleteCheckpoint;
  }

  /** The backup file inside backupDir. */
  get backupPath(): string {
    return path.join(this.backupDir, FILE);
  }

  override onTrainBegin(): void {
    const model = this.model;
    if (!model || !fs.existsSync(this.backupPath)) return;
    if (!model.built)
      throw new ValueError(`BackupAndRestore: ${model.constructor.name} "${model.name}" must be built before fit() ` +
        `to restore a backup; give it an input shape or call it on a batch first`);
    const done = loadTrainingState(model, this.backupPath);
    this.epochsDone = done;
    model.resumeEpoch = done;
  }

  override onEpochBegin(epoch: number): void {
    this.epochsDone = epoch;
  }

  override onTrainBatchEnd(batch: number): void {
    if (this.saveFreq === 'epoch') return;
    this.batchesSinceSave += batch <= this.lastBatchSeen ? batch + 1 : batch - this.lastBatchSeen;
    this.lastBatchSeen = batch;
    if (this.batchesSinceSave < this.saveFreq) return;
    this.batchesSinceSave = 0;
    this.backup();
  }

  override onEpochEnd(epoch: number): void {
    this.epochsDone = epoch + 1;
    this.lastBatchSeen = -1;
    this.backup();
  }

  override onTrainEnd(): void {
    if (!this.deleteCheckpoint) return;
    fs.rmSync(this.backupPath, { force: true });
    // Remove the directory too when the backup was all it held.
    try {
      fs.rmdirSync(this.backupDir);
    } catch { /* not empty, or already gone */ }
  }

  private backup(): void {
    if (!this.model) return;
    fs.mkdirSync(this.backupDir, { recursive: true });
    saveTrainingState(this.model, this.backupPath, this.epochsDone);
  }
}
