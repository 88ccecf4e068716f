// Tensor buffers. Large ones are native allocations of their own (detached, hence freed, on dispose). Small ones
// are carved out of shared 16 KiB slabs: one native allocation costs about a microsecond, which would be most of
// an eager op on a small tensor, while a view into a slab costs a few tens of nanoseconds.
import type { TypedArray } from './dtype.js';
import { native } from './native.js';

/** Buffers up to this size come from slabs. */
const MAX_POOLED_BYTES = 1024;
const SLAB_BYTES = 16384;
/** Every buffer starts on a 64-byte boundary (cache line; SIMD loads), slab or not. */
const ALIGN = 64;
/** Bytes per element by dtype code (DTYPE_CODE order: float32, float64, int32, bool). */
const ELEMENT_BYTES = [4, 8, 4, 1];

let slab: ArrayBuffer | null = null;
let slabBase = 0; // byte offset of the slab's aligned start inside its ArrayBuffer
let slabUsed = 0;
// A slab is freed by the garbage collector once no view of it is reachable; disposing one view must not
// detach the slab under its neighbours, so release() checks membership here.
const slabs = new WeakSet<ArrayBuffer>();

function view(code: number, buffer: ArrayBuffer, offset: number, length: number): TypedArray {
  switch (code) {
    case 0: return new Float32Array(buffer, offset, length);
    case 1: return new Float64Array(buffer, offset, length);
    case 2: return new Int32Array(buffer, offset, length);
    default: return new Uint8Array(buffer, offset, length);
  }
}

/** A zero-filled, 64-byte-aligned typed array of `length` elements of dtype `code`. */
export function allocBuffer(code: number, length: number): TypedArray {
  const bytes = length * (ELEMENT_BYTES[code] ?? 0);
  if (bytes === 0 || bytes > MAX_POOLED_BYTES) return native.alloc(code, length);
  const need = (bytes + ALIGN - 1) & -ALIGN;
  if (slab === null || slabUsed + need > SLAB_BYTES) {
    const bytesView = native.alloc(3, SLAB_BYTES); // zero-filled; each slot is handed out once, so stays zero
    slab = bytesView.buffer as ArrayBuffer;
    slabBase = bytesView.byteOffset;
    slabUsed = 0;
    slabs.add(slab);
  }
  const out = view(code, slab, slabBase + slabUsed, length);
  slabUsed += need;
  return out;
}

/** Releases a buffer from allocBuffer: at once for its own allocation, at GC of its slab's last view otherwise. */
export function releaseBuffer(array: TypedArray): void {
  if (!slabs.has(array.buffer as ArrayBuffer)) native.free(array);
}
