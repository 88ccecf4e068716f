import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import * as kiln from '../../src/index.js';
import { trainSmall } from './fixtures/small-training.js';
import { data, mlp, tempDir, weightValues } from './helpers.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const child = path.join(here, 'fixtures', 'resume-child.ts');

/** Runs the child; with `killAfter`, SIGKILLs it once it printed "end <killAfter>". Resolves with its stdout lines. */
function runChild(args: string[], killAfter?: number): Promise<{ lines: string[]; signal: NodeJS.Signals | null }> {
  return new Promise((resolve, reject) => {
    // Its own process group, so that SIGKILL reaches the node process under npx and tsx, as a crash would.
    const p = spawn('npx', ['tsx', child, ...args], { cwd: path.resolve(here, '../..'), env: process.env,
      stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let out = '', err = '';
    p.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (killAfter !== undefined && out.includes(`end ${killAfter}\n`)) process.kill(-p.pid!, 'SIGKILL');
    });
    p.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    p.on('error', reject);
    p.on('close', (code, signal) => {
      if (code !== 0 && signal === null) reject(new Error(`child exited with ${code}:\n${err}`));
      else resolve({ lines: out.split('\n').filter((l) => l !== ''), signal });
    });
  });
}

describe('BackupAndRestore', () => {
  test('a run killed after epoch 3 resumes at epoch 4 and ends with the weights of an uninterrupted run', async () => {
    const dir = tempDir();
    const backupDir = path.join(dir, 'backup');
    const out = path.join(dir, 'weights.json');
    const killed = await runChild([backupDir, out, '3'], 3);
    expect(killed.lines).toEqual(['begin 1', 'end 1', 'begin 2', 'end 2', 'begin 3', 'end 3']);
    expect(fs.existsSync(path.join(backupDir, 'backup.kiln'))).toBe(true);
    expect(fs.existsSync(out)).toBe(false);
    const resumed = await runChild([backupDir, out]);
    expect(resumed.lines).toEqual(['begin 4', 'end 4', 'begin 5', 'end 5', 'begin 6', 'end 6', 'done']);
    // Training ended normally, so the backup is gone.
    expect(fs.existsSync(backupDir)).toBe(false);
    const reference = trainSmall([]);
    expect(JSON.parse(fs.readFileSync(out, 'utf8'))).toEqual(reference);
  }, 60_000);

  test('each epoch end leaves a backup holding the epochs done; deleteCheckpoint: false keeps it', () => {
    kiln.ops.setRandomSeed(41);
    const backupDir = path.join(tempDir(), 'b');
    const m = mlp();
    const { x, y } = data(32, 4, 3, 5);
    const backup = new kiln.callbacks.BackupAndRestore({ backupDir, deleteCheckpoint: false });
    m.fit(x, y, { epochs: 2, batchSize: 16, verbose: 0, callbacks: [backup] });
    const c = kiln.saving.readContainer(backup.backupPath);
    expect(c.meta.epochsDone).toBe(2);
    expect(c.meta.kind).toBe('backup');
    // A second fit with the same callback restores the backup and has nothing left to do.
    const before = weightValues(m);
    const history = m.fit(x, y, { epochs: 2, batchSize: 16, verbose: 0, callbacks: [backup] });
    expect(history.epoch).toEqual([]);
    expect(weightValues(m)).toEqual(before);
  });

  test('options are checked', () => {
    expect(() => new kiln.callbacks.BackupAndRestore({ backupDir: '' })).toThrow(/backupDir must be a non-empty path/);
    expect(() => new kiln.callbacks.BackupAndRestore({ backupDir: 'x', saveFreq: 0 })).toThrow(/saveFreq/);
  });
});
