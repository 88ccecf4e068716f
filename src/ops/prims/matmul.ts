// matmul with batch dims (broadcast) and transposes; float32 runs through oneDNN sgemm.
import { ShapeError, fmtShape } from '../../core/errors.js';
import type { Tensor } from '../../core/tensor.js';
import { apply1, toTensor, type OpInput } from '../dispatch.js';
import { definePrimitive } from '../registry.js';
import { NUMERIC, broadcastShapes, broadcastStrides, expectDtype, sameDtype } from '../shape-utils.js';
import { sumTo } from '../composites/sum-to.js';
import { reshape } from './movement.js';

interface MatmulAttrs extends Record<string, unknown> {
  transposeA: boolean;
  transposeB: boolean;
}

function dims(shape: readonly number[], transposed: boolean): [number, number] {
  const r = shape.length;
  return transposed ? [shape[r - 1], shape[r - 2]] : [shape[r - 2], shape[r - 1]];
}

export const matmulPrim = definePrimitive<MatmulAttrs>({
  name: 'matmul',
  kind: 'contraction',
  infer: ([a, b], { transposeA, transposeB }) => {
    const dtype = sameDtype('matmul', [a, b]);
    expectDtype('matmul', 'inputs', dtype, NUMERIC);
    if (a.shape.length < 2 || b.shape.length < 2)
      throw new ShapeError(`matmul: inputs must have rank ≥ 2, got ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
    const [m, ka] = dims(a.shape, transposeA);
    const [kb, n] = dims(b.shape, transposeB);
    if (ka !== kb)
      throw new ShapeError(`matmul: inner dimensions differ: ${fmtShape(a.shape)}${transposeA ? 'ᵀ' : ''} × ` +
        `${fmtShape(b.shape)}${transposeB ? 'ᵀ' : ''} (${ka} vs ${kb})`);
    const batch = broadcastShapes('matmul', a.shape.slice(0, -2), b.shape.slice(0, -2));
    return [{ shape: [...batch, m, n], dtype }];
  },
  grad: ([a, b], _y, [dy], { transposeA, transposeB }) => {
    // C = op(A)·op(B): dA = dC·op(B)ᵀ (transposed back if A was), dB likewise.
    const da = transposeA ? matmul(b, dy, transposeB, true) : matmul(dy, b, false, !transposeB);
    const db = transposeB ? matmul(dy, a, true, transposeA) : matmul(a, dy, !transposeA, false);
    return [sumTo(da, a.shape), sumTo(db, b.shape)];
  },
  kernelCall: ([a, b], { transposeA, transposeB }, [o]) => {
    const [m, kk] = dims(a.shape, transposeA);
    const n = o.shape[o.shape.length - 1];
    const batch = o.shape.slice(0, -2);
    // Batch strides in elements: each operand's batch dims viewed as a tensor of matrices.
    const sa = broadcastStrides(a.shape.slice(0, -2), batch).map((s) => s * m * kk);
    const sb = broadcastStrides(b.shape.slice(0, -2), batch).map((s) => s * kk * n);
    return { kernel: 'matmul', args: [m, n, kk, transposeA ? 1 : 0, transposeB ? 1 : 0, batch.length, batch, sa, sb] };
  },
});

/** Matrix product over the last two axes, with broadcast batch axes; 1-D inputs are treated as NumPy does. */
export function matmul(a: OpInput, b: OpInput, transposeA = false, transposeB = false): Tensor {
  let ta = toTensor(a);
  let tb = toTensor(b, ta.dtype);
  const vecA = ta.rank === 1, vecB = tb.rank === 1;
  if (vecA) ta = reshape(ta, [1, ta.shape[0]]);
  if (vecB) tb = reshape(tb, [tb.shape[0], 1]);
  let y = apply1(matmulPrim, [ta, tb], { transposeA, transposeB });
  if (vecA || vecB) {
    const s = [...y.shape];
    if (vecB) s.splice(s.length - 1, 1);
    if (vecA) s.splice(s.length - (vecB ? 1 : 2), 1);
    y = reshape(y, s);
  }
  return y;
}
