// gather (rows of x picked by int32 indices along one axis) and its gradient, the scatter-add
// unsortedSegmentSum (whose gradient is gather again). Both native kernels check every index.
import { ShapeError, ValueError, fmtShape } from '../../core/errors.js';
import { Tensor, sizeOf } from '../../core/tensor.js';
import { kernel } from '../../core/native.js';
import { apply1, toTensor, type OpInput } from '../dispatch.js';
import { definePrimitive, type KernelCallSpec, type TensorInfo } from '../registry.js';
import { NUMERIC, expectDtype, normalizeAxis } from '../shape-utils.js';
import { transpose } from './movement.js';

/**
 * Runs a native kernel whose index checks become ValueErrors naming the op and the shapes (`context`, built only
 * for the error: fit gathers every batch).
 */
function callChecked(name: string, context: () => string, describe: () => KernelCallSpec,
                     inputs: readonly Tensor[], out: readonly TensorInfo[]): Tensor[] {
  const outs = out.map((o) => Tensor.alloc(o.shape, o.dtype));
  try {
    const call = describe();
    kernel(call.kernel).call(inputs.map((t) => t.dataSync()), outs.map((t) => t.dataSync()), ...call.args);
    return outs;
  } catch (e) {
    const message = e instanceof Error ? e.message.replace(/^kernel \w+: /, '') : String(e);
    throw new ValueError(`${name}: ${message} (${context()})`);
  }
}

function gatherCall([x]: readonly TensorInfo[], { axis }: { axis: number }): KernelCallSpec {
  return { kernel: 'gather', args: [sizeOf(x.shape.slice(0, axis)), x.shape[axis], sizeOf(x.shape.slice(axis + 1))] };
}

function segmentSumCall([data, ids]: readonly TensorInfo[], { numSegments }: { numSegments: number }): KernelCallSpec {
  return { kernel: 'unsortedSegmentSum', args: [numSegments, sizeOf(data.shape.slice(ids.shape.length))] };
}

/** Picks slices of x along an axis by int32 indices. */
export const gatherPrim = definePrimitive<{ axis: number }>({
  name: 'gather',
  kind: 'movement',
  infer: ([x, indices], { axis }) => {
    expectDtype('gather', 'indices', indices.dtype, ['int32']);
    if (!Number.isInteger(axis) || axis < 0 || axis >= x.shape.length)
      throw new ShapeError(`gather: axis ${axis} is out of range for params shape ${fmtShape(x.shape)}`);
    return [{ shape: [...x.shape.slice(0, axis), ...indices.shape, ...x.shape.slice(axis + 1)], dtype: x.dtype }];
  },
  grad: ([x, indices], _y, [dy], { axis }) => {
    // dy is [x[:axis], indices..., x[axis+1:]]: move the index dims first, add them into the rows of x's axis,
    // then move that axis back into place.
    const r = indices.rank;
    const lead = Array.from({ length: r }, (_, i) => axis + i);
    const rest = Array.from({ length: dy.rank }, (_, i) => i).filter((i) => i < axis || i >= axis + r);
    const summed = unsortedSegmentSum(transpose(dy, [...lead, ...rest]), indices, x.shape[axis]);
    const back = Array.from({ length: x.rank }, (_, i) => (i < axis ? i + 1 : i === axis ? 0 : i));
    return [transpose(summed, back), null];
  },
  kernelCall: gatherCall,
  eager: (inputs, attrs, out) => {
    const [x, indices] = inputs;
    return callChecked('gather', () => `params shape ${fmtShape(x.shape)}, axis ${attrs.axis}, indices shape ` +
      `${fmtShape(indices.shape)}`, () => gatherCall(inputs, attrs), inputs, out);
  },
});

/** Slices of x along `axis` picked by int32 `indices` (any shape; each in [0, x.shape[axis])), as tf.gather. */
export function gather(x: OpInput, indices: OpInput, axis = 0): Tensor {
  const t = toTensor(x);
  return apply1(gatherPrim, [t, toTensor(indices, 'int32')], { axis: normalizeAxis('gather', axis, t.rank) });
}

/** Scatter-add of data's leading-index slices into numSegments rows. */
export const unsortedSegmentSumPrim = definePrimitive<{ numSegments: number }>({
  name: 'unsortedSegmentSum',
  kind: 'other',
  infer: ([data, ids], { numSegments }) => {
    expectDtype('unsortedSegmentSum', 'data', data.dtype, NUMERIC);
    expectDtype('unsortedSegmentSum', 'segmentIds', ids.dtype, ['int32']);
    if (!Number.isInteger(numSegments) || numSegments < 0)
      throw new ValueError(`unsortedSegmentSum: numSegments must be a non-negative integer, got ${numSegments}`);
    if (ids.shape.length > data.shape.length || ids.shape.some((d, i) => d !== data.shape[i]))
      throw new ShapeError(`unsortedSegmentSum: segmentIds shape ${fmtShape(ids.shape)} must be a prefix of ` +
        `data shape ${fmtShape(data.shape)}`);
    return [{ shape: [numSegments, ...data.shape.slice(ids.shape.length)], dtype: data.dtype }];
  },
  grad: ([, ids], _y, [dy]) => [gather(dy, ids, 0), null],
  kernelCall: segmentSumCall,
  eager: (inputs, attrs, out) => {
    const [data, ids] = inputs;
    return callChecked('unsortedSegmentSum', () => `data shape ${fmtShape(data.shape)}, segmentIds shape ` +
      `${fmtShape(ids.shape)}, numSegments ${attrs.numSegments}`,
      () => segmentSumCall(inputs, attrs), inputs, out);
  },
});

/**
 * Sums the slices of `data` that share a segment id: out[s] = Σ data[i...] over ids[i...] = s, for s in
 * [0, numSegments); `segmentIds` (int32) has a prefix of data's shape (as tf.math.unsorted_segment_sum, except that
 * ids outside [0, numSegments), negative ones included, are errors).
 */
export function unsortedSegmentSum(data: OpInput, segmentIds: OpInput, numSegments: number): Tensor {
  return apply1(unsortedSegmentSumPrim, [toTensor(data), toTensor(segmentIds, 'int32')], { numSegments });
}
