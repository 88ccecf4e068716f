// CSVLogger (keras.callbacks.CSVLogger): writes each epoch's logs as a row of a CSV file: "epoch", then the log
// names in sorted order (fixed at the first epoch; a missing value is written "NA"). The file is rewritten
// atomically at each epoch end, so a reader never sees a half-written row.
import fs from 'node:fs';
import { ValueError } from '../core/errors.js';
import { writeFileAtomic } from '../saving/atomic-write.js';
import { Callback, type Logs } from './callback.js';

/** Options of CSVLogger. */
export interface CSVLoggerOptions {
  /** Separates the fields of a row (default ','). */
  separator?: string;
  /** Keep an existing file's rows and add to them (default false: overwrite). */
  append?: boolean;
}

/** Streams the epoch logs of fit to a CSV file. */
export class CSVLogger extends Callback {
  readonly separator: string;
  readonly append: boolean;
  private keys: string[] | null = null;
  private text = '';

  /** @param filename the CSV file to write. */
  constructor(readonly filename: string, { separator = ',', append = false }: CSVLoggerOptions = {}) {
    super();
    if (typeof filename !== 'string' || filename === '')
      throw new ValueError(`CSVLogger: filename must be a non-empty string, got ${JSON.stringify(filename)}`);
    if (typeof separator !== 'string' || separator.length === 0 || /["\r\n]/.test(separator))
      throw new ValueError(`CSVLogger: separator must be a non-empty string without quotes or newlines, got ` +
        `${JSON.stringify(separator)}`);
    this.separator = separator;
    this.append = append;
  }

  /** A field, quoted (CSV style: doubled quotes) when it holds the separator, a quote or a newline. */
  private field(v: string): string {
    return v.includes(this.separator) || /["\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
  }

  private row(values: readonly string[]): string {
    return `${values.map((v) => this.field(v)).join(this.separator)}\n`;
  }

  override onTrainBegin(): void {
    this.keys = null;
    this.text = this.append && fs.existsSync(this.filename) ? fs.readFileSync(this.filename, 'utf8') : '';
    if (this.text !== '' && !this.text.endsWith('\n')) this.text += '\n';
  }

  override onEpochEnd(epoch: number, logs: Logs): void {
    if (this.keys === null) {
      this.keys = Object.keys(logs).sort();
      // Like Keras, a header is written unless rows are appended to a file that already has a first line.
      if (this.text === '') this.text = this.row(['epoch', ...this.keys]);
    }
    this.text += this.row([String(epoch), ...this.keys.map((k) => (k in logs ? String(logs[k]) : 'NA'))]);
    writeFileAtomic(this.filename, [new TextEncoder().encode(this.text)]);
  }
}
