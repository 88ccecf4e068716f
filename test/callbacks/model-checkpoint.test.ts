import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import * as kiln from '../../src/index.js';
import { data, mlp, tempDir, weightValues } from '../saving/helpers.js';

const { ModelCheckpoint } = kiln.callbacks;

/** Records the weights at each epoch end, to compare with what was saved. */
class WeightsLog extends kiln.callbacks.Callback {
  readonly byEpoch: number[][][] = [];
  override onEpochEnd(): void {
    this.byEpoch.push(weightValues(this.model!));
  }
}

describe('ModelCheckpoint', () => {
  test('saves every epoch to a name formatted from the 1-based epoch and the logs', () => {
    kiln.ops.setRandomSeed(51);
    const dir = tempDir();
    const m = mlp();
    const { x, y } = data(48, 4, 3, 6);
    const log = new WeightsLog();
    const ckpt = new ModelCheckpoint({ filepath: path.join(dir, 'ckpt-{epoch:02d}-{val_loss:.4f}.kiln'),
      monitor: 'val_loss' });
    const history = m.fit(x, y, { epochs: 3, batchSize: 16, verbose: 0, validationSplit: 0.25, callbacks: [ckpt, log] });
    const expected = history.history.val_loss.map((v, i) => `ckpt-${String(i + 1).padStart(2, '0')}-${v.toFixed(4)}.kiln`);
    expect(fs.readdirSync(dir).sort()).toEqual([...expected].sort());
    // Each file is a whole model with that epoch's weights.
    expected.forEach((name, i) => expect(weightValues(kiln.loadModel(path.join(dir, name)))).toEqual(log.byEpoch[i]));
  });

  test('saveBestOnly saves only improvements of the monitored value (mode min), over a fixed name', () => {
    const ckpt = new ModelCheckpoint({ filepath: path.join(tempDir(), 'best.kiln'), saveBestOnly: true });
    const saved: number[] = [];
    kiln.ops.setRandomSeed(52);
    const m = mlp();
    ckpt.setModel(m);
    const file = ckpt.filepath;
    const losses = [0.9, 0.7, 0.8, 0.6, 0.6];
    losses.forEach((v, epoch) => {
      fs.rmSync(file, { force: true });
      ckpt.onEpochEnd(epoch, { loss: 1, val_loss: v });
      if (fs.existsSync(file)) saved.push(epoch);
    });
    expect(saved).toEqual([0, 1, 3]);
    expect(ckpt.best).toBe(0.6);
  });

  test("mode 'auto' maximizes accuracy-like names; initialValueThreshold must be beaten first", () => {
    kiln.ops.setRandomSeed(53);
    const m = mlp();
    const file = path.join(tempDir(), 'acc.kiln');
    const ckpt = new ModelCheckpoint({ filepath: file, monitor: 'val_accuracy', saveBestOnly: true,
      initialValueThreshold: 0.5 });
    ckpt.setModel(m);
    const saves: number[] = [];
    [0.4, 0.6, 0.55, 0.7].forEach((acc, epoch) => {
      fs.rmSync(file, { force: true });
      ckpt.onEpochEnd(epoch, { val_accuracy: acc });
      if (fs.existsSync(file)) saves.push(epoch);
    });
    expect(saves).toEqual([1, 3]);
    const minMode = new ModelCheckpoint({ filepath: file, monitor: 'val_accuracy', saveBestOnly: true, mode: 'min' });
    minMode.setModel(m);
    fs.rmSync(file, { force: true });
    minMode.onEpochEnd(0, { val_accuracy: 0.9 });
    minMode.onEpochEnd(1, { val_accuracy: 0.95 });
    expect(minMode.best).toBe(0.9);
  });

  test('saveWeightsOnly writes a weights file; saveFreq counts batches across epochs', () => {
    kiln.ops.setRandomSeed(54);
    const dir = tempDir();
    const m = mlp();
    const { x, y } = data(40, 4, 3, 7); // 3 batches of 16 per epoch
    const ckpt = new ModelCheckpoint({ filepath: path.join(dir, 'w-{epoch}-{batch}.kiln'), saveWeightsOnly: true,
      saveFreq: 2 });
    m.fit(x, y, { epochs: 2, batchSize: 16, verbose: 0, shuffle: false, callbacks: [ckpt] });
    // Batches seen: e1b1 e1b2* e1b3 e2b1* e2b2 e2b3*  (every second one overall).
    expect(fs.readdirSync(dir).sort()).toEqual(['w-1-2.kiln', 'w-2-1.kiln', 'w-2-3.kiln']);
    const c = kiln.saving.readContainer(path.join(dir, 'w-2-3.kiln'));
    expect(c.meta.kind).toBe('weights');
    const other = mlp();
    other.loadWeights(path.join(dir, 'w-2-3.kiln'));
    expect(weightValues(other)).toEqual(weightValues(m));
  });

  test('a missing monitored value skips the save with a warning', () => {
    const file = path.join(tempDir(), 'x.kiln');
    const ckpt = new ModelCheckpoint({ filepath: file, saveBestOnly: true });
    kiln.ops.setRandomSeed(55);
    ckpt.setModel(mlp());
    const warn = console.warn;
    const warnings: string[] = [];
    console.warn = (msg: string) => void warnings.push(msg);
    try {
      ckpt.onEpochEnd(0, { loss: 0.3 });
    } finally {
      console.warn = warn;
    }
    expect(fs.existsSync(file)).toBe(false);
    expect(warnings.join('')).toMatch(/can save best model only with val_loss available/);
  });

  test('options are checked', () => {
    expect(() => new ModelCheckpoint({ filepath: 'model.h5' })).toThrow(/ending in "\.kiln"/);
    expect(() => new ModelCheckpoint({ filepath: 'm.kiln', mode: 'best' as never })).toThrow(/mode must be/);
    expect(() => new ModelCheckpoint({ filepath: 'm.kiln', saveFreq: 1.5 })).toThrow(/saveFreq/);
    const ckpt = new ModelCheckpoint({ filepath: '{epoch}-{val_acc:.2f}.kiln' });
    expect(() => ckpt.filePathFor(0, null, { loss: 1 })).toThrow(/failed to format the filepath.*"val_acc"/);
  });
});
