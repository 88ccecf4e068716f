// The weights file of a compiled artifact (native/aot/kiln_aot.h reads the same layout):
//   "KILNWTS1" | u32 version | u32 count | u64 file bytes | count x (u64 offset, u64 bytes, u32 dtype code, u32 0)
//   | data, each entry at a 64-byte aligned offset after the table, in entry order.
// All integers little-endian. The artifact's runtime checks the header against its baked tables and a 32-bit
// FNV-1a of the data; loaders that read the manifest also check its SHA-256.
import { ArtifactError } from '../../src/core/errors.js';

/** The magic and format version of weights files. */
export const WEIGHTS_MAGIC = 'KILNWTS1';
export const WEIGHTS_VERSION = 1;
const HEADER_BYTES = 24;
const ENTRY_BYTES = 24;
const ALIGN = 64;

/** One entry of the weights file: where its bytes lie and what they are. */
export interface WeightEntry {
  readonly offset: number;
  readonly bytes: number;
  readonly dtype: number;
}

const alignUp = (n: number): number => Math.ceil(n / ALIGN) * ALIGN;

/** The bytes of a weights file holding `arrays` in order, and where each lies. */
export function encodeWeights(arrays: readonly { data: Uint8Array; dtype: number }[]): { file: Buffer; entries: WeightEntry[] } {
  let at = alignUp(HEADER_BYTES + arrays.length * ENTRY_BYTES);
  const entries = arrays.map(({ data, dtype }) => {
    const e = { offset: at, bytes: data.byteLength, dtype };
    at = alignUp(at + data.byteLength);
    return e;
  });
  const size = entries.length ? entries[entries.length - 1].offset + entries[entries.length - 1].bytes
    : alignUp(HEADER_BYTES);
  const file = Buffer.alloc(size);
  file.write(WEIGHTS_MAGIC, 0, 'latin1');
  file.writeUInt32LE(WEIGHTS_VERSION, 8);
  file.writeUInt32LE(arrays.length, 12);
  file.writeBigUInt64LE(BigInt(size), 16);
  entries.forEach((e, i) => {
    const p = HEADER_BYTES + i * ENTRY_BYTES;
    file.writeBigUInt64LE(BigInt(e.offset), p);
    file.writeBigUInt64LE(BigInt(e.bytes), p + 8);
    file.writeUInt32LE(e.dtype, p + 16);
    file.set(arrays[i].data, e.offset);
  });
  return { file, entries };
}

/** Where the data section starts (after the entry table, aligned). */
export function weightsDataStart(count: number): number {
  return alignUp(HEADER_BYTES + count * ENTRY_BYTES);
}

/** 32-bit FNV-1a of `bytes` (the artifact runtime's quick content check of the data section). */
export function fnv1a32(bytes: Uint8Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i], 0x01000193) >>> 0;
  return h >>> 0;
}

/**
 * Reads and checks the header of a weights file against the entries a manifest lists: magic, version, count,
 * recorded size, and every entry's offset, size and dtype (in range, aligned, in order, not overlapping).
 * Throws ArtifactError naming the file and the field; reads no data.
 */
export function checkWeightsHeader(file: Uint8Array, expected: readonly WeightEntry[], where: string): void {
  const fail = (m: string): never => {
    throw new ArtifactError(`${where}: ${m}`);
  };
  const buf = Buffer.from(file.buffer, file.byteOffset, file.byteLength);
  if (buf.length < HEADER_BYTES) fail(`${buf.length} bytes is shorter than the ${HEADER_BYTES}-byte header (truncated)`);
  if (buf.toString('latin1', 0, 8) !== WEIGHTS_MAGIC) fail(`bad magic ${JSON.stringify(buf.toString('latin1', 0, 8))}, expected "${WEIGHTS_MAGIC}"`);
  const version = buf.readUInt32LE(8);
  if (version !== WEIGHTS_VERSION) fail(`format version ${version}, expected ${WEIGHTS_VERSION}`);
  const count = buf.readUInt32LE(12);
  if (count !== expected.length) fail(`${count} entries, the manifest lists ${expected.length}`);
  const size = Number(buf.readBigUInt64LE(16));
  if (size !== buf.length) fail(`header records ${size} bytes, the file has ${buf.length} (truncated or padded)`);
  if (HEADER_BYTES + count * ENTRY_BYTES > buf.length) fail('the entry table runs past the end of the file');
  let next = weightsDataStart(count);
  for (let i = 0; i < count; i++) {
    const p = HEADER_BYTES + i * ENTRY_BYTES;
    const offset = Number(buf.readBigUInt64LE(p)), bytes = Number(buf.readBigUInt64LE(p + 8));
    const dtype = buf.readUInt32LE(p + 16);
    const want = expected[i];
    if (offset !== want.offset || bytes !== want.bytes || dtype !== want.dtype)
      fail(`entry ${i} is ${bytes} bytes of dtype ${dtype} at offset ${offset}, the manifest says ${want.bytes} ` +
        `bytes of dtype ${want.dtype} at offset ${want.offset}`);
    if (offset % ALIGN !== 0 || offset < next || offset > buf.length || bytes > buf.length - offset)
      fail(`entry ${i}: ${bytes} bytes at offset ${offset} are out of range, misaligned or overlap the entry ` +
        `before (file of ${buf.length} bytes)`);
    next = offset + bytes;
  }
}
