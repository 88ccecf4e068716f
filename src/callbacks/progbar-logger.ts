// ProgbarLogger (keras.callbacks.ProgbarLogger): a terminal progress bar with ETA and running metrics during each
// epoch; when the output is not a TTY (logs, CI) or verbose is 2, one plain line per epoch instead.
import { Callback, type Logs } from './callback.js';

/** Options of ProgbarLogger. */
export interface ProgbarLoggerOptions {
  /** Where text goes (default: process.stdout.write). */
  write?: (text: string) => void;
  /** Draw a live bar (default: whether stdout is a TTY and verbose is 1). */
  interactive?: boolean;
}

const WIDTH = 30;

/** Formats seconds as Keras does: 3s, 1m 05s. */
function fmtTime(s: number): string {
  if (s < 1) return `${Math.round(s * 1000)}ms`;
  if (s < 60) return `${s.toFixed(1)}s`;
  return `${Math.floor(s / 60)}m ${String(Math.round(s % 60)).padStart(2, '0')}s`;
}

function fmtLogs(logs: Logs): string {
  return Object.entries(logs).map(([k, v]) => ` - ${k}: ${Math.abs(v) < 1e-3 && v !== 0 ? v.toExponential(4) : v.toFixed(4)}`).join('');
}

/** Prints training progress: a bar per epoch on a TTY, a line per epoch otherwise. */
export class ProgbarLogger extends Callback {
  private readonly write: (text: string) => void;
  private readonly interactiveOption: boolean | undefined;
  private epochStart = 0;
  private lastDraw = 0;

  constructor({ write, interactive }: ProgbarLoggerOptions = {}) {
    super();
    this.write = write ?? ((t) => void process.stdout.write(t));
    this.interactiveOption = interactive;
  }

  private get interactive(): boolean {
    return (this.interactiveOption ?? Boolean(process.stdout.isTTY)) && (this.params.verbose ?? 1) === 1;
  }

  override onEpochBegin(epoch: number): void {
    this.epochStart = performance.now();
    this.lastDraw = 0;
    if (this.interactive) this.write(`Epoch ${epoch + 1}/${this.params.epochs ?? '?'}\n`);
  }

  override onTrainBatchEnd(batch: number, logs: Logs): void {
    if (!this.interactive) return;
    const now = performance.now();
    const steps = this.params.steps ?? 0;
    // Redraw at most every 50 ms, and always on the last batch.
    if (now - this.lastDraw < 50 && batch + 1 < steps) return;
    this.lastDraw = now;
    const done = batch + 1;
    const elapsed = (now - this.epochStart) / 1000;
    const filled = steps > 0 ? Math.min(WIDTH, Math.floor((WIDTH * done) / steps)) : 0;
    const bar = '━'.repeat(filled) + (filled < WIDTH ? ' '.repeat(WIDTH - filled) : '');
    const eta = steps > 0 && done < steps ? ` - ETA: ${fmtTime((elapsed / done) * (steps - done))}` : '';
    this.write(`\r${String(done).padStart(String(steps).length)}/${steps} ${bar}${eta}${fmtLogs(logs)}\x1b[K`);
  }

  override onEpochEnd(epoch: number, logs: Logs): void {
    const elapsed = fmtTime((performance.now() - this.epochStart) / 1000);
    const steps = this.params.steps ?? 0;
    if (this.interactive) this.write(`\r${steps}/${steps} ${'━'.repeat(WIDTH)} - ${elapsed}${fmtLogs(logs)}\x1b[K\n`);
    else this.write(`Epoch ${epoch + 1}/${this.params.epochs ?? '?'} - ${steps}/${steps} - ${elapsed}${fmtLogs(logs)}\n`);
  }
}
