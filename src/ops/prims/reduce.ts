// Reductions over axes (keepDims like NumPy). One native kernel ("reduce") with a mode per primitive.
import { ShapeError } from '../../core/errors.js';
import type { Tensor } from '../../core/tensor.js';
import { apply1, defineShapeDependentOp, toTensor, type OpInput } from '../dispatch.js';
import { definePrimitive, type KernelCallSpec, type Primitive, type TensorInfo } from '../registry.js';
import { NUMERIC, expectDtype, normalizeAxes, normalizeAxis } from '../shape-utils.js';
import { broadcastTo, reshape } from './movement.js';
import { cast } from './cast.js';
import { div, equal, mul } from './binary.js';

interface ReduceAttrs extends Record<string, unknown> {
  axes: number[];
  keepDims: boolean;
}

const MODES = { sum: 0, prod: 1, max: 2, min: 3, argMax: 4, argMin: 5 } as const;

/** Shape of x with `axes` reduced (kept as 1 when keepDims). */
function reducedShape(shape: readonly number[], axes: readonly number[], keepDims: boolean): number[] {
  const out: number[] = [];
  shape.forEach((d, i) => {
    if (!axes.includes(i)) out.push(d);
    else if (keepDims) out.push(1);
  });
  return out;
}

/** The "reduce" kernel's call: mode, x's rank and shape, the kept axes then the reduced ones, the kept count. */
function reduceCall(mode: number, x: TensorInfo, axes: readonly number[]): KernelCallSpec {
  const kept = x.shape.map((_, i) => i).filter((i) => !axes.includes(i));
  return { kernel: 'reduce', args: [mode, x.shape.length, x.shape, [...kept, ...axes], kept.length] };
}

/** Gradient of a reduction's output, broadcast back to the input's shape. */
function expandGrad(dy: Tensor, x: Tensor, axes: readonly number[]): Tensor {
  return broadcastTo(reshape(dy, reducedShape(x.shape, axes, true)), x.shape);
}

function defineReduce(name: keyof typeof MODES, grad: Primitive<ReduceAttrs>['grad']): Primitive<ReduceAttrs> {
  return definePrimitive<ReduceAttrs>({
    name,
    kind: 'reduction',
    infer: ([x], { axes, keepDims }) => {
      expectDtype(name, 'input', x.dtype, NUMERIC);
      if ((name === 'max' || name === 'min') && axes.some((a) => x.shape[a] === 0))
        throw new ShapeError(`${name}: cannot reduce an empty axis (input shape [${x.shape.join(', ')}])`);
      return [{ shape: reducedShape(x.shape, axes, keepDims), dtype: x.dtype }];
    },
    grad,
    kernelCall: ([x], { axes }) => reduceCall(MODES[name], x, axes),
  });
}

/** Ties share the gradient equally, as TensorFlow does. */
const extremumGrad: Primitive<ReduceAttrs>['grad'] = ([x], [y], [dy], { axes }) => {
  const mask = cast(equal(x, expandGrad(y, x, axes)), dy.dtype);
  const count = sum(mask, axes, true);
  return [mul(div(mask, count), expandGrad(dy, x, axes))];
};

const pSum = defineReduce('sum', ([x], _y, [dy], { axes }) => [expandGrad(dy, x, axes)]);
// d prod / dx_i = prod / x_i (inputs containing zeros get no exact gradient; documented limitation).
const pProd = defineReduce('prod', ([x], [y], [dy], { axes }) => [div(mul(expandGrad(dy, x, axes), expandGrad(y, x, axes)), x)]);
const pMax = defineReduce('max', extremumGrad);
const pMin = defineReduce('min', extremumGrad);

function defineArg(name: 'argMax' | 'argMin'): Primitive<{ axis: number }> {
  return definePrimitive<{ axis: number }>({
    name,
    kind: 'reduction',
    infer: ([x], { axis }) => {
      expectDtype(name, 'input', x.dtype, NUMERIC);
      if (x.shape[axis] === 0) throw new ShapeError(`${name}: axis ${axis} is empty`);
      return [{ shape: x.shape.filter((_, i) => i !== axis), dtype: 'int32' }];
    },
    kernelCall: ([x], { axis }) => reduceCall(MODES[name], x, [axis]),
  });
}
const pArgMax = defineArg('argMax');
const pArgMin = defineArg('argMin');

type Axes = number | readonly number[] | null;

function reduceOp(p: Primitive<ReduceAttrs>) {
  return (x: OpInput, axes: Axes = null, keepDims: boolean = false): Tensor => {
    const t = toTensor(x);
    return apply1(p, [t], { axes: normalizeAxes(p.name, axes, t.rank), keepDims });
  };
}

/** Sum over `axes` (all when null). */
export const sum = reduceOp(pSum);
/** Product over `axes` (all when null). */
export const prod = reduceOp(pProd);
/** Maximum over `axes` (all when null); NaN propagates. */
export const max = reduceOp(pMax);
/** Minimum over `axes` (all when null); NaN propagates. */
export const min = reduceOp(pMin);

/** Index of the largest value along `axis` (first on ties), int32. */
export function argMax(x: OpInput, axis = -1): Tensor {
  const t = toTensor(x);
  return apply1(pArgMax, [t], { axis: normalizeAxis('argMax', axis, t.rank) });
}

/** Index of the smallest value along `axis` (first on ties), int32. */
export function argMin(x: OpInput, axis = -1): Tensor {
  const t = toTensor(x);
  return apply1(pArgMin, [t], { axis: normalizeAxis('argMin', axis, t.rank) });
}

/** Mean over `axes` (all when null). Shape-dependent: the element count is read from the shape. */
export const mean = defineShapeDependentOp('mean', (x: OpInput, axes: Axes = null, keepDims: boolean = false): Tensor => {
  const t = toTensor(x);
  const norm = normalizeAxes('mean', axes, t.rank);
  const count = norm.reduce((n, a) => n * t.shape[a], 1);
  return div(sum(t, norm, keepDims), count);
});

export { reducedShape };
