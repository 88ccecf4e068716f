import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import * as kiln from '../../src/index.js';
import { smallClassifier } from './scripted-logs.js';

const { CSVLogger } = kiln.callbacks;

let dir = '';
beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-csv-')); });
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

/** The rows the file should hold for `h`: epoch, then the logs in sorted name order, as JS prints numbers. */
function expectedRows(h: kiln.callbacks.History, sep: string): string[] {
  const keys = Object.keys(h.history).sort();
  return h.epoch.map((e, i) => [String(e), ...keys.map((k) => String(h.history[k][i]))].join(sep));
}

describe('CSVLogger', () => {
  test('writes a header of sorted log names and one row per epoch with the logged values', () => {
    const { model, x, y } = smallClassifier();
    const file = path.join(dir, 'log.csv');
    const h = model.fit(x, y, { epochs: 3, batchSize: 4, verbose: 0, validationData: [x, y],
      callbacks: [new CSVLogger(file)] });
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    expect(lines[0]).toBe('epoch,accuracy,loss,val_accuracy,val_loss');
    expect(lines.slice(1, 4)).toEqual(expectedRows(h, ','));
    expect(lines.slice(4)).toEqual(['']);
    // The values are the History's, which are real numbers from training.
    expect(Number(lines[1].split(',')[2])).toBe(h.history.loss[0]);
  });

  test('uses the given separator', () => {
    const { model, x, y } = smallClassifier();
    const file = path.join(dir, 'log.tsv');
    const h = model.fit(x, y, { epochs: 2, batchSize: 4, verbose: 0, callbacks: [new CSVLogger(file, { separator: '\t' })] });
    expect(fs.readFileSync(file, 'utf8')).toBe(['epoch\taccuracy\tloss', ...expectedRows(h, '\t'), ''].join('\n'));
  });

  test('append keeps the earlier rows and writes no second header; without it the file is replaced', () => {
    const { model, x, y } = smallClassifier();
    const file = path.join(dir, 'log.csv');
    const h1 = model.fit(x, y, { epochs: 2, batchSize: 4, verbose: 0, callbacks: [new CSVLogger(file)] });
    const h2 = model.fit(x, y, { epochs: 4, initialEpoch: 2, batchSize: 4, verbose: 0,
      callbacks: [new CSVLogger(file, { append: true })] });
    const lines = fs.readFileSync(file, 'utf8').trimEnd().split('\n');
    expect(lines).toEqual(['epoch,accuracy,loss', ...expectedRows(h1, ','), ...expectedRows(h2, ',')]);
    expect(lines.map((l) => l.split(',')[0])).toEqual(['epoch', '0', '1', '2', '3']);
    model.fit(x, y, { epochs: 1, batchSize: 4, verbose: 0, callbacks: [new CSVLogger(file)] });
    expect(fs.readFileSync(file, 'utf8').trimEnd().split('\n')).toHaveLength(2);
  });

  test('a log missing at a later epoch is written NA', () => {
    const { model, x, y } = smallClassifier();
    const file = path.join(dir, 'log.csv');
    // Validation only after epoch 1 (validationFreq would do the same); simulated by deleting the log at epoch 1.
    const drop = new kiln.callbacks.LambdaCallback({ onEpochEnd: (e, logs) => { if (e === 1) delete logs.loss; } });
    model.fit(x, y, { epochs: 2, batchSize: 4, verbose: 0, callbacks: [drop, new CSVLogger(file)] });
    const rows = fs.readFileSync(file, 'utf8').trimEnd().split('\n');
    expect(rows[2]).toMatch(/^1,[0-9.e-]+,NA$/);
  });
});
