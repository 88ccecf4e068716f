// Atomic file replacement: write a temp file in the target's directory, fsync it, rename it over the target. A
// crash or a failed write leaves the old file (or none) in place, never a half-written one.
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { SavingError } from '../core/errors.js';

function writeAll(fd: number, chunk: Uint8Array): void {
  for (let done = 0; done < chunk.byteLength;)
    done += fs.writeSync(fd, chunk, done, chunk.byteLength - done);
}

/** Replaces `file` with the concatenation of `chunks`, atomically (temp file, fsync, rename). */
export function writeFileAtomic(file: string, chunks: readonly Uint8Array[]): void {
  const target = path.resolve(file);
  const dir = path.dirname(target);
  const tmp = path.join(dir, `.${path.basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  let fd: number | null = null;
  try {
    fd = fs.openSync(tmp, 'wx');
    for (const c of chunks) writeAll(fd, c);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = null;
    fs.renameSync(tmp, target);
  } catch (e) {
    if (fd !== null) fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw new SavingError(`${file}: could not write the file (${(e as Error).message}); any previous file is unchanged`);
  }
  // Make the rename itself durable; some platforms cannot open a directory, which only weakens crash safety.
  try {
    const dfd = fs.openSync(dir, 'r');
    try { fs.fsyncSync(dfd); } finally { fs.closeSync(dfd); }
  } catch { /* best effort */ }
}
