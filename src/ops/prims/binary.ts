// Elementwise binary primitives with NumPy broadcasting. Gradients reduce back to each input's shape (sumTo).
import type { DType } from '../../core/dtype.js';
import { Tensor } from '../../core/tensor.js';
import { Variable } from '../../core/variable.js';
import { apply1, toTensor, type OpInput } from '../dispatch.js';
import { definePrimitive, type Primitive, type TensorInfo } from '../registry.js';
import { ALL_DTYPES, NUMERIC, broadcastShapes, broadcastStrides, expectDtype, sameDtype } from '../shape-utils.js';
import { sumTo } from '../composites/sum-to.js';
import { cast } from './cast.js';
import { log, neg, square } from './unary.js';
import { select } from './select.js';
import { onesLike, zerosLike } from '../creation.js';

type BinaryGrad = (a: Tensor, b: Tensor, y: Tensor, dy: Tensor) => [Tensor | null, Tensor | null];

function defineBinary(name: string, dtypes: readonly DType[], grad: BinaryGrad | null, outDtype?: DType): Primitive {
  return definePrimitive({
    name,
    kind: 'elementwise',
    infer: ([a, b]: readonly TensorInfo[]) => {
      const dtype = sameDtype(name, [a, b]);
      expectDtype(name, 'inputs', dtype, dtypes);
      return [{ shape: broadcastShapes(name, a.shape, b.shape), dtype: outDtype ?? dtype }];
    },
    grad: grad
      ? ([a, b], [y], [dy]) => {
          const [da, db] = grad(a, b, y, dy);
          return [da && sumTo(da, a.shape), db && sumTo(db, b.shape)];
        }
      : undefined,
    kernelCall: ([a, b], _attrs, [o]) => ({
      kernel: name,
      args: [o.shape.length, o.shape, broadcastStrides(a.shape, o.shape), broadcastStrides(b.shape, o.shape)],
    }),
  });
}

function dtypeHint(x: OpInput): DType | undefined {
  if (x instanceof Tensor || x instanceof Variable) return x.dtype;
  return undefined;
}

/** Converts a pair of op inputs; a JS number takes the dtype of the other operand. */
export function toTensorPair(a: OpInput, b: OpInput): [Tensor, Tensor] {
  const d = dtypeHint(a) ?? dtypeHint(b) ?? 'float32';
  return [toTensor(a, d), toTensor(b, d)];
}

const binaryOp = (p: Primitive) => (a: OpInput, b: OpInput): Tensor => apply1(p, toTensorPair(a, b), {});

const castLike = (mask: Tensor, like: Tensor) => cast(mask, like.dtype);

const pAdd = defineBinary('add', NUMERIC, (_a, _b, _y, dy) => [dy, dy]);
const pSub = defineBinary('sub', NUMERIC, (_a, _b, _y, dy) => [dy, neg(dy)]);
const pMul = defineBinary('mul', NUMERIC, (a, b, _y, dy) => [mul(dy, b), mul(dy, a)]);
const pDiv = defineBinary('div', NUMERIC, (a, b, _y, dy) => [div(dy, b), neg(mul(dy, div(a, square(b))))]);
const pPow = defineBinary('pow', NUMERIC, (a, b, y, dy) => {
  const da = mul(dy, mul(b, pow(a, sub(b, 1))));
  // d/db aᵇ = aᵇ·log a, taken as 0 where a ≤ 0 (as TensorFlow does).
  const positive = greater(a, 0);
  const safeLog = select(positive, log(select(positive, a, onesLike(a))), zerosLike(a));
  return [da, mul(dy, mul(y, safeLog))];
});
const pMaximum = defineBinary('maximum', NUMERIC, (a, b, _y, dy) => {
  const m = greaterEqual(a, b);
  return [mul(dy, castLike(m, dy)), mul(dy, castLike(less(a, b), dy))];
});
const pMinimum = defineBinary('minimum', NUMERIC, (a, b, _y, dy) => {
  const m = lessEqual(a, b);
  return [mul(dy, castLike(m, dy)), mul(dy, castLike(greater(a, b), dy))];
});
const pMod = defineBinary('mod', NUMERIC, (a, b, _y, dy) => [dy, neg(mul(dy, floorDiv(a, b)))]);
const pFloorDiv = defineBinary('floorDiv', NUMERIC, null);
const pEqual = defineBinary('equal', ALL_DTYPES, null, 'bool');
const pNotEqual = defineBinary('notEqual', ALL_DTYPES, null, 'bool');
const pLess = defineBinary('less', NUMERIC, null, 'bool');
const pLessEqual = defineBinary('lessEqual', NUMERIC, null, 'bool');
const pGreater = defineBinary('greater', NUMERIC, null, 'bool');
const pGreaterEqual = defineBinary('greaterEqual', NUMERIC, null, 'bool');
const pLogicalAnd = defineBinary('logicalAnd', ['bool'], null);
const pLogicalOr = defineBinary('logicalOr', ['bool'], null);

/** a + b */
export const add = binaryOp(pAdd);
/** a - b */
export const sub = binaryOp(pSub);
/** a · b (elementwise) */
export const mul = binaryOp(pMul);
/** a / b (integer division truncates; x/0 is 0 for int32) */
export const div = binaryOp(pDiv);
/** aᵇ */
export const pow = binaryOp(pPow);
/** Elementwise maximum (NaN propagates). */
export const maximum = binaryOp(pMaximum);
/** Elementwise minimum (NaN propagates). */
export const minimum = binaryOp(pMinimum);
/** Floor modulo (the result has the sign of b, as Python and NumPy). */
export const mod = binaryOp(pMod);
/** Floor division. */
export const floorDiv = binaryOp(pFloorDiv);
/** a == b */
export const equal = binaryOp(pEqual);
/** a != b */
export const notEqual = binaryOp(pNotEqual);
/** a < b */
export const less = binaryOp(pLess);
/** a <= b */
export const lessEqual = binaryOp(pLessEqual);
/** a > b */
export const greater = binaryOp(pGreater);
/** a >= b */
export const greaterEqual = binaryOp(pGreaterEqual);
/** Boolean and. */
export const logicalAnd = binaryOp(pLogicalAnd);
/** Boolean or. */
export const logicalOr = binaryOp(pLogicalOr);
