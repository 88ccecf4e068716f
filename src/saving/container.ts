// The `.kiln` container: named tensors plus a JSON header, in one file.
//
//   bytes 0..7   magic "KILNSAVE"
//   bytes 8..11  format version (uint32 LE)
//   bytes 12..15 header length H in bytes (uint32 LE)
//   bytes 16..   header: UTF-8 JSON {meta, entries: [{name, dtype, shape, offset, length, sha256}]}
//   then, from the next multiple of 64 (the data region): each entry's little-endian bytes at `offset` (relative to
//   the data region, a multiple of 64) for `length` bytes.
//
// The reader checks everything (magic, version, header length, every entry's offset and length against the file
// size, dtype and shape against length, and the SHA-256 of each entry's bytes) before handing any data out.
import fs from 'node:fs';
import os from 'node:os';
import { createHash } from 'node:crypto';
import { DTYPE_BYTES, isDType, type DType, type TypedArray } from '../core/dtype.js';
import { SavingError, fmtShape } from '../core/errors.js';
import type { Config } from '../engine/registry.js';
import { writeFileAtomic } from './atomic-write.js';

const MAGIC = Buffer.from('KILNSAVE', 'latin1');
/** The container format version this Kiln writes and reads. */
export const FORMAT_VERSION = 1;
const FIXED = 16;
const ALIGN = 64;
const LITTLE_ENDIAN_HOST = os.endianness() === 'LE';

/** One named tensor of a container: its dtype, shape and elements. */
export interface ContainerEntry {
  readonly name: string;
  readonly dtype: DType;
  readonly shape: readonly number[];
  readonly data: TypedArray;
}

/** What a container holds: the JSON metadata and the entries by name, in file order. */
export interface Container {
  readonly meta: Config;
  readonly entries: Map<string, ContainerEntry>;
}

interface HeaderEntry {
  name: string;
  dtype: DType;
  shape: number[];
  offset: number;
  length: number;
  sha256: string;
}

const align = (n: number): number => Math.ceil(n / ALIGN) * ALIGN;
const sizeOf = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

// Element bytes in little-endian order, whatever the host's order.
function littleEndianBytes(data: TypedArray): Uint8Array {
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return LITTLE_ENDIAN_HOST || data.BYTES_PER_ELEMENT === 1 ? bytes : swapped(bytes, data.BYTES_PER_ELEMENT);
}

function swapped(bytes: Uint8Array, width: number): Uint8Array {
  const out = new Uint8Array(bytes.length);
  for (let i = 0; i < bytes.length; i += width)
    for (let k = 0; k < width; k++) out[i + k] = bytes[i + width - 1 - k];
  return out;
}

function typedArrayOf(dtype: DType, bytes: Uint8Array): TypedArray {
  // Copy into a fresh (aligned) buffer so that the typed array does not alias the file's bytes.
  const own = LITTLE_ENDIAN_HOST ? new Uint8Array(bytes) : swapped(bytes, DTYPE_BYTES[dtype]);
  const n = own.byteLength / DTYPE_BYTES[dtype];
  switch (dtype) {
    case 'float32': return new Float32Array(own.buffer, 0, n);
    case 'float64': return new Float64Array(own.buffer, 0, n);
    case 'int32': return new Int32Array(own.buffer, 0, n);
    case 'bool': return new Uint8Array(own.buffer, 0, n);
  }
}

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** Writes `entries` and `meta` to `file` as a container, atomically (temp file in the same directory, rename). */
export function writeContainer(file: string, meta: Config, entries: readonly ContainerEntry[]): void {
  const seen = new Set<string>();
  const header: HeaderEntry[] = [];
  const blobs: Uint8Array[] = [];
  let offset = 0;
  for (const e of entries) {
    if (seen.has(e.name)) throw new SavingError(`${file}: two entries are named "${e.name}"`);
    seen.add(e.name);
    const bytes = littleEndianBytes(e.data);
    if (bytes.byteLength !== sizeOf(e.shape) * DTYPE_BYTES[e.dtype])
      throw new SavingError(`${file}: entry "${e.name}" has ${bytes.byteLength} bytes, but ${e.dtype} ` +
        `${fmtShape(e.shape)} needs ${sizeOf(e.shape) * DTYPE_BYTES[e.dtype]}`);
    header.push({ name: e.name, dtype: e.dtype, shape: [...e.shape], offset, length: bytes.byteLength,
      sha256: sha256(bytes) });
    blobs.push(bytes);
    offset = align(offset + bytes.byteLength);
  }
  const json = Buffer.from(JSON.stringify({ meta, entries: header }), 'utf8');
  const fixed = Buffer.alloc(FIXED);
  MAGIC.copy(fixed, 0);
  fixed.writeUInt32LE(FORMAT_VERSION, 8);
  fixed.writeUInt32LE(json.byteLength, 12);
  const chunks: Uint8Array[] = [fixed, json];
  const pad = (n: number): void => { if (n > 0) chunks.push(new Uint8Array(n)); };
  pad(align(FIXED + json.byteLength) - FIXED - json.byteLength);
  blobs.forEach((b, i) => {
    chunks.push(b);
    if (i < blobs.length - 1) pad(header[i + 1].offset - header[i].offset - b.byteLength);
  });
  writeFileAtomic(file, chunks);
}

function fail(file: string, what: string): never {
  throw new SavingError(`${file}: ${what}`);
}

const isNonNegInt = (x: unknown): x is number => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;

function checkEntry(file: string, raw: unknown, i: number, dataStart: number, fileSize: number): HeaderEntry {
  if (typeof raw !== 'object' || raw === null) fail(file, `header entry ${i} is not an object`);
  const e = raw as Record<string, unknown>;
  const label = typeof e.name === 'string' ? `entry "${e.name}"` : fail(file, `header entry ${i}: name is not a string`);
  if (!isDType(e.dtype)) fail(file, `${label}: dtype ${JSON.stringify(e.dtype)} is not one of float32, float64, int32, bool`);
  if (!Array.isArray(e.shape) || !e.shape.every(isNonNegInt))
    fail(file, `${label}: shape ${JSON.stringify(e.shape)} is not a list of non-negative integers`);
  if (!isNonNegInt(e.offset) || e.offset % ALIGN !== 0)
    fail(file, `${label}: offset ${JSON.stringify(e.offset)} is not a non-negative multiple of ${ALIGN}`);
  if (!isNonNegInt(e.length)) fail(file, `${label}: length ${JSON.stringify(e.length)} is not a non-negative integer`);
  if (dataStart + e.offset + e.length > fileSize)
    fail(file, `${label}: offset ${e.offset} + length ${e.length} runs past the end of the data region ` +
      `(${fileSize - dataStart} bytes; the file is truncated or the header is corrupt)`);
  const expected = sizeOf(e.shape as number[]) * DTYPE_BYTES[e.dtype];
  if (e.length !== expected)
    fail(file, `${label}: length ${e.length} does not match ${e.dtype} ${fmtShape(e.shape as number[])} ` +
      `(${expected} bytes)`);
  if (typeof e.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(e.sha256))
    fail(file, `${label}: sha256 ${JSON.stringify(e.sha256)} is not 64 hex digits`);
  return e as unknown as HeaderEntry;
}

/** Reads and fully validates a container written by writeContainer; every problem is a SavingError naming the file. */
export function readContainer(file: string): Container {
  let buf: Buffer;
  try {
    buf = fs.readFileSync(file);
  } catch (e) {
    fail(file, `cannot read the file (${(e as Error).message})`);
  }
  if (buf.byteLength < FIXED) fail(file, `truncated: ${buf.byteLength} bytes, shorter than the ${FIXED}-byte preamble`);
  if (!buf.subarray(0, MAGIC.length).equals(MAGIC))
    fail(file, `bad magic ${JSON.stringify(buf.subarray(0, MAGIC.length).toString('latin1'))}, expected "KILNSAVE" ` +
      `(not a Kiln save file)`);
  const version = buf.readUInt32LE(8);
  if (version !== FORMAT_VERSION) fail(file, `format version ${version} is not supported (this Kiln reads ${FORMAT_VERSION})`);
  const headerLength = buf.readUInt32LE(12);
  if (FIXED + headerLength > buf.byteLength)
    fail(file, `header length ${headerLength} runs past the end of the file (${buf.byteLength} bytes; truncated?)`);
  let header: unknown;
  try {
    header = JSON.parse(buf.subarray(FIXED, FIXED + headerLength).toString('utf8'));
  } catch (e) {
    fail(file, `header is not valid JSON (${(e as Error).message})`);
  }
  const h = header as { meta?: unknown; entries?: unknown };
  if (typeof h !== 'object' || h === null || typeof h.meta !== 'object' || h.meta === null || Array.isArray(h.meta))
    fail(file, 'header has no meta object');
  if (!Array.isArray(h.entries)) fail(file, 'header has no entries list');
  const dataStart = align(FIXED + headerLength);
  const checked = h.entries.map((e, i) => checkEntry(file, e, i, dataStart, buf.byteLength));
  const names = new Set<string>();
  for (const e of checked) {
    if (names.has(e.name)) fail(file, `entry "${e.name}" appears twice`);
    names.add(e.name);
  }
  // Hash every entry before any data is handed out.
  const regions = checked.map((e) => buf.subarray(dataStart + e.offset, dataStart + e.offset + e.length));
  checked.forEach((e, i) => {
    const actual = sha256(regions[i]);
    if (actual !== e.sha256)
      fail(file, `entry "${e.name}": SHA-256 of its data is ${actual}, the header says ${e.sha256} (corrupted data)`);
  });
  const entries = new Map<string, ContainerEntry>();
  checked.forEach((e, i) => entries.set(e.name, { name: e.name, dtype: e.dtype, shape: e.shape,
    data: typedArrayOf(e.dtype, regions[i]) }));
  return { meta: h.meta as Config, entries };
}
