// The IDX file format of (Fashion-)MNIST: a big-endian header (two zero bytes, a type code, a rank, one uint32
// per dimension) followed by the row-major data. Only unsigned-byte data (type 0x08) occurs in these data sets.
import { ValueError } from '../core/errors.js';

/** The dimensions and the bytes of an IDX file of unsigned bytes. */
export interface IdxArray {
  readonly shape: number[];
  readonly data: Uint8Array;
}

const UNSIGNED_BYTE = 0x08;

/**
 * Parses an IDX file of unsigned bytes and checks it: magic number (0x0000 08 rank), the expected rank, and a size
 * that matches the header exactly. `source` names the file in errors. The data is a view into `bytes`.
 */
export function parseIdx(bytes: Uint8Array, source: string, expectedRank: number): IdxArray {
  const expectedMagic = ((UNSIGNED_BYTE << 8) | expectedRank).toString(16).padStart(8, '0');
  if (bytes.length < 4)
    throw new ValueError(`${source}: not an IDX file: ${bytes.length} bytes, shorter than the 4-byte magic number`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0);
  if (bytes[0] !== 0 || bytes[1] !== 0 || bytes[2] !== UNSIGNED_BYTE || bytes[3] !== expectedRank)
    throw new ValueError(`${source}: expected IDX magic number 0x${expectedMagic} (unsigned bytes, rank ` +
      `${expectedRank}), got 0x${magic.toString(16).padStart(8, '0')}`);
  const headerBytes = 4 + 4 * expectedRank;
  if (bytes.length < headerBytes)
    throw new ValueError(`${source}: truncated IDX header: expected ${headerBytes} bytes, got ${bytes.length}`);
  const shape: number[] = [];
  for (let d = 0; d < expectedRank; d++) shape.push(view.getUint32(4 + 4 * d));
  const size = shape.reduce((a, b) => a * b, 1);
  const dataBytes = bytes.length - headerBytes;
  if (dataBytes !== size)
    throw new ValueError(`${source}: the header declares shape [${shape.join(', ')}] (${size} bytes of data), ` +
      `but the file holds ${dataBytes} bytes of data`);
  return { shape, data: bytes.subarray(headerBytes) };
}
