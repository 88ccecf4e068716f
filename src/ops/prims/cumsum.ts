// Cumulative sum and product along one axis (native scans). Gradients: the scan of dy in the other direction
// (for cumprod, of dy·y, divided by x: inputs containing zeros get no exact gradient, as for prod).
import { sizeOf, type Tensor } from '../../core/tensor.js';
import { apply1, toTensor, type OpInput } from '../dispatch.js';
import { definePrimitive, type Primitive } from '../registry.js';
import { NUMERIC, expectDtype, normalizeAxis } from '../shape-utils.js';
import { div, mul } from './binary.js';

interface ScanAttrs extends Record<string, unknown> {
  axis: number;
  exclusive: boolean;
  reverse: boolean;
}

/** Options of cumsum / cumprod (as tf.math.cumsum). */
export interface ScanOptions {
  /** Element k leaves out x[k] (the first output is the identity). */
  exclusive?: boolean;
  /** Scan from the last element towards the first. */
  reverse?: boolean;
}

function defineScan(name: 'cumsum' | 'cumprod', grad: NonNullable<Primitive<ScanAttrs>['grad']>): Primitive<ScanAttrs> {
  return definePrimitive<ScanAttrs>({
    name,
    kind: 'other',
    infer: ([x], { axis }) => {
      expectDtype(name, 'input', x.dtype, NUMERIC);
      normalizeAxis(name, axis, x.shape.length);
      return [{ shape: [...x.shape], dtype: x.dtype }];
    },
    grad,
    kernelCall: ([x], { axis, exclusive, reverse }) => ({
      kernel: name,
      args: [sizeOf(x.shape.slice(0, axis)), x.shape[axis], sizeOf(x.shape.slice(axis + 1)), exclusive ? 1 : 0,
        reverse ? 1 : 0],
    }),
  });
}

const pCumsum = defineScan('cumsum', (_x, _y, [dy], { axis, exclusive, reverse }) =>
  [cumsum(dy, axis, { exclusive, reverse: !reverse })]);
const pCumprod = defineScan('cumprod', ([x], [y], [dy], { axis, exclusive, reverse }) =>
  [div(cumsum(mul(dy, y), axis, { exclusive, reverse: !reverse }), x)]);

function scanOp(p: Primitive<ScanAttrs>) {
  return (x: OpInput, axis = 0, { exclusive = false, reverse = false }: ScanOptions = {}): Tensor => {
    const t = toTensor(x);
    return apply1(p, [t], { axis: normalizeAxis(p.name, axis, t.rank), exclusive, reverse });
  };
}

/** Running sum along `axis` (default 0), as tf.math.cumsum. */
export const cumsum = scanOp(pCumsum);
/** Running product along `axis` (default 0), as tf.math.cumprod. */
export const cumprod = scanOp(pCumprod);
