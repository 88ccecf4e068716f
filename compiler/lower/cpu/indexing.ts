// Where a fused loop reads an operand: the operand's element offset as a function of the loop's flat index,
// through its broadcast strides. Size-1 dims are dropped and adjacent dims merged first, so a same-shape operand
// reads at the flat index itself, a scalar at 0, a bias [M] of [N, M] at i % M, a row statistic [N, 1] at i / M:
// the contiguous and scalar cases stay flat loops that LLVM vectorizes.
import { broadcastStrides } from '../../../src/ops/shape-utils.js';
import type { IRBuilder } from './ir-builder.js';

/** One dimension of an iteration space as one operand sees it. */
export interface Dim {
  readonly size: number;
  readonly stride: number;
}

/**
 * The dims `axes` of `space` (outer to inner) with the strides an operand of `shape` has when broadcast to
 * `space`, simplified: size-1 dims dropped, adjacent dims that step through memory as one dim merged.
 */
export function operandDims(shape: readonly number[], space: readonly number[], axes: readonly number[]): Dim[] {
  const strides = broadcastStrides(shape, space);
  const dims: Dim[] = [];
  for (const a of axes) {
    const d = { size: space[a], stride: strides[a] };
    if (d.size === 1) continue;
    const prev = dims[dims.length - 1];
    if (prev && prev.stride === d.stride * d.size)
      dims[dims.length - 1] = { size: prev.size * d.size, stride: d.stride };
    else dims.push(d);
  }
  return dims;
}

/** Emits the i64 offset `Σ digit_d(index) · stride_d` of flat `index` over `dims` (`index` < their product). */
export function emitOffset(b: IRBuilder, index: string, dims: readonly Dim[]): string {
  let offset: string | null = null;
  let inner = 1;
  for (let d = dims.length - 1; d >= 0; d--) {
    const { size, stride } = dims[d];
    if (stride !== 0) {
      let digit = inner === 1 ? index : b.op(`udiv i64 ${index}, ${inner}`, 'q');
      // The outermost digit needs no modulo: the index stays below the product of all sizes.
      if (d > 0) digit = b.op(`urem i64 ${digit}, ${size}`, 'digit');
      const term = stride === 1 ? digit : b.op(`mul nuw nsw i64 ${digit}, ${stride}`, 'term');
      offset = offset === null ? term : b.op(`add nuw nsw i64 ${offset}, ${term}`, 'off');
    }
    inner *= size;
  }
  return offset ?? '0';
}
