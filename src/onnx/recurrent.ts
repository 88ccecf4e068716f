// Recurrent layers → ONNX's LSTM / GRU / RNN ops, plus the sequence-input layers in front of them (Embedding;
// Masking and maskZero are refused). Keras kernels are [input, gates·units] with gates in column blocks (LSTM
// i,f,c,o; GRU z,r,h); ONNX wants W [directions, gates·hidden, input] (LSTM i,o,f,c; GRU z,r,h), R likewise over
// hidden, and B = [Wb, Rb]. The ops run time-major ([seq, batch, features], the layout of every opset ≥ 13), so a
// returned sequence is left time-major (perm [1, 0, 2]) and the next RNN reads it without a transpose.
import { ValueError } from '../core/errors.js';
import { serializeActivation, type ActivationFn } from '../activations.js';
import type { AnyLayer } from '../engine/layer.js';
import { Bidirectional } from '../layers/bidirectional.js';
import { Embedding } from '../layers/embedding.js';
import { GRU } from '../layers/gru.js';
import { LSTM } from '../layers/lstm.js';
import { Masking } from '../layers/masking.js';
import type { BaseRNN } from '../layers/rnn-common.js';
import { SimpleRNN } from '../layers/simple-rnn.js';
import type { AttrValue } from './graph-builder.js';
import type { LayerContext, OnnxValue } from './values.js';

type Out = Pick<OnnxValue, 'name' | 'perm'>;
type Converter = (ctx: LayerContext, inputs: OnnxValue[], outShapes: OnnxValue['shape'][]) => Out[];

/** ONNX tensor = Kiln's [batch, time, units] transposed to [time, batch, units]. */
const TIME_MAJOR = [1, 0, 2] as const;
const INT64_MIN = -(2 ** 63);

// The activations ONNX's recurrent ops accept, with the attributes that make them Kiln's (Keras 3 constants).
const ONNX_ACTIVATIONS: Readonly<Record<string, { op: string; alpha?: number; beta?: number }>> = {
  tanh: { op: 'Tanh' },
  sigmoid: { op: 'Sigmoid' },
  relu: { op: 'Relu' },
  linear: { op: 'Affine', alpha: 1, beta: 0 },
  hardSigmoid: { op: 'HardSigmoid', alpha: 1 / 6, beta: 0.5 },
  elu: { op: 'Elu', alpha: 1 },
  leakyRelu: { op: 'LeakyRelu', alpha: 0.2 },
  softsign: { op: 'Softsign' },
  softplus: { op: 'Softplus' },
};

/** What one ONNX recurrent op needs to know of a Keras layer (one direction). */
interface Cell {
  opType: 'LSTM' | 'GRU' | 'RNN';
  /** ONNX gate k is Keras gate order[k]. */
  order: readonly number[];
  /** Serialized activations in ONNX's order (LSTM f, g, h; GRU f, g; RNN f). */
  activations: string[];
  attrs: Record<string, AttrValue>;
  stateCount: number;
}

function activationName(ctx: LayerContext, fn: ActivationFn, what: string): string {
  let name: string;
  try {
    name = serializeActivation(fn, ctx.label);
  } catch {
    throw new ValueError(`${ctx.label}: its ${what} is a custom function, which ONNX export does not support`);
  }
  if (!Object.hasOwn(ONNX_ACTIVATIONS, name))
    throw new ValueError(`${ctx.label}: ${what} "${name}" has no ONNX recurrent-op equivalent; supported: ` +
      `${Object.keys(ONNX_ACTIVATIONS).join(', ')}`);
  return name;
}

function cellOf(ctx: LayerContext, rnn: BaseRNN<boolean>): Cell {
  if (rnn.stateful)
    throw new ValueError(`${ctx.label}: stateful recurrent layers have no ONNX export (an ONNX graph keeps no ` +
      `state between runs); export a copy created with stateful: false`);
  const act = activationName(ctx, rnn.activation, 'activation');
  if (rnn instanceof LSTM) {
    const rec = activationName(ctx, rnn.recurrentActivation, 'recurrentActivation');
    return { opType: 'LSTM', order: [0, 3, 1, 2], activations: [rec, act, act], attrs: {}, stateCount: 2 };
  }
  if (rnn instanceof GRU) {
    const rec = activationName(ctx, rnn.recurrentActivation, 'recurrentActivation');
    return { opType: 'GRU', order: [0, 1, 2], activations: [rec, act],
      attrs: { linear_before_reset: rnn.resetAfter ? 1 : 0 }, stateCount: 1 };
  }
  if (rnn instanceof SimpleRNN) return { opType: 'RNN', order: [0], activations: [act], attrs: {}, stateCount: 1 };
  throw new ValueError(`${ctx.label}: wraps ${rnn.constructor.name}, which has no ONNX export`);
}

/** One direction's W [gates·units, input], R [gates·units, units] and B [2·gates·units] (zeros without a bias). */
function weightsOf(ctx: LayerContext, rnn: BaseRNN<boolean>, order: readonly number[]):
  { w: Float32Array; r: Float32Array; b: Float32Array } {
  const kernel = ctx.weight(rnn.kernel, `${rnn.name} kernel`);
  const rec = ctx.weight(rnn.recurrentKernel, `${rnn.name} recurrentKernel`);
  const h = rnn.units, g = order.length, width = g * h, input = kernel.length / width;
  const w = new Float32Array(width * input), r = new Float32Array(width * h), b = new Float32Array(2 * width);
  const bias = rnn.bias ? ctx.weight(rnn.bias, `${rnn.name} bias`) : null;
  // GRU resetAfter: bias [2, 3·units] = input bias, recurrent bias (ONNX Wb, Rb); otherwise it all goes to Wb.
  const recBias = bias && bias.length === 2 * width ? bias.subarray(width) : null;
  order.forEach((src, k) => {
    for (let u = 0; u < h; u++) {
      const col = src * h + u, row = k * h + u;
      for (let i = 0; i < input; i++) w[row * input + i] = kernel[i * width + col];
      for (let j = 0; j < h; j++) r[row * h + j] = rec[j * width + col];
      if (bias) b[row] = bias[col];
      if (recBias) b[width + row] = recBias[col];
    }
  });
  return { w, r, b };
}

function concatAll(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** `v` [d, ...] (or [t, d, ...] with axis 1) → one value per direction, the direction axis dropped. */
function perDirection(ctx: LayerContext, v: string, axis: number, directions: number): string[] {
  const axes = ctx.g.int64s(`${ctx.base}/axes`, [axis]);
  const parts = directions === 1 ? [v] : ctx.g.node('Split', [v], `${ctx.base}/split`, { axis }, directions);
  return parts.map((p) => ctx.g.op('Squeeze', [p, axes], ctx.base));
}

/** Reverses a time-major value along time (Slice with step −1). */
function reverseTime(ctx: LayerContext, v: string): string {
  const c = (what: string, x: number): string => ctx.g.int64s(`${ctx.base}/${what}`, [x]);
  return ctx.g.op('Slice', [v, c('starts', -1), c('ends', INT64_MIN), c('axes', 0), c('steps', -1)], ctx.base);
}

/**
 * Writes one ONNX recurrent op over `rnns` (one layer, or a Bidirectional's forward and backward layers) and gives
 * each direction's output (sequence time-major and in time order, or last output) and final states.
 */
function recurrentOp(ctx: LayerContext, rnns: BaseRNN<boolean>[], x: OnnxValue, initial: OnnxValue[],
                     direction: 'forward' | 'reverse' | 'bidirectional'): { outputs: string[]; states: string[][] } {
  const cells = rnns.map((l) => cellOf(ctx, l));
  const cell = cells[0];
  const units = rnns[0].units;
  const d = rnns.length;
  const ws = rnns.map((l) => weightsOf(ctx, l, cell.order));
  const input = ws[0].w.length / (cell.order.length * units);
  const width = cell.order.length * units;
  const g = ctx.g;
  const xt = x.perm !== null && x.perm.every((a, i) => a === TIME_MAJOR[i]) ? x.name
    : g.op('Transpose', [ctx.asKiln(x).name], `${ctx.base}/time_major`, { perm: { ints: TIME_MAJOR } });
  const W = g.floats(`${ctx.base}/W`, concatAll(ws.map((v) => v.w)), [d, width, input]);
  const R = g.floats(`${ctx.base}/R`, concatAll(ws.map((v) => v.r)), [d, width, units]);
  const anyBias = rnns.some((l) => l.bias !== null);
  const B = anyBias ? g.floats(`${ctx.base}/B`, concatAll(ws.map((v) => v.b)), [d, 2 * width]) : '';
  // Initial states come as [batch, units] per direction (forward's, then backward's); ONNX wants [d, batch, units].
  const stacked: string[] = [];
  for (let s = 0; s < cell.stateCount && initial.length > 0; s++) {
    const axes = g.int64s(`${ctx.base}/axes`, [0]);
    const parts = rnns.map((_, k) =>
      g.op('Unsqueeze', [ctx.asKiln(initial[k * cell.stateCount + s]).name, axes], `${ctx.base}/initial_state`));
    stacked.push(parts.length === 1 ? parts[0] : g.op('Concat', parts, `${ctx.base}/initial_state`, { axis: 0 }));
  }
  const acts = cells.flatMap((c) => c.activations.map((n) => ONNX_ACTIVATIONS[n]));
  const alphas = acts.flatMap((a) => (a.alpha !== undefined ? [a.alpha] : []));
  const betas = acts.flatMap((a) => (a.beta !== undefined ? [a.beta] : []));
  const attrs: Record<string, AttrValue> = {
    hidden_size: units, direction, activations: { strings: acts.map((a) => a.op) }, ...cell.attrs,
  };
  if (alphas.length > 0) attrs.activation_alpha = { floats: alphas };
  if (betas.length > 0) attrs.activation_beta = { floats: betas };
  const inputs = [xt, W, R, B, '', ...stacked];
  while (inputs.at(-1) === '') inputs.pop();
  const outs = g.node(cell.opType, inputs, ctx.base, attrs, 1 + cell.stateCount);
  const [y, ...finals] = outs;
  const last = rnns[0].returnSequences ? perDirection(ctx, y, 1, d) : perDirection(ctx, finals[0], 0, d);
  const states = finals.map((f) => perDirection(ctx, f, 0, d));
  return { outputs: last, states: rnns.map((_, k) => states.map((s) => s[k])) };
}

function checkSameCells(ctx: LayerContext, f: BaseRNN<boolean>, b: BaseRNN<boolean>): void {
  const cf = cellOf(ctx, f), cb = cellOf(ctx, b);
  const same = f.constructor === b.constructor && f.units === b.units && cf.activations.join() === cb.activations.join()
    && JSON.stringify(cf.attrs) === JSON.stringify(cb.attrs);
  if (!same)
    throw new ValueError(`${ctx.label}: ONNX export needs the backward layer to match the forward one (class, ` +
      `units, activations, resetAfter); got ${f.constructor.name}(${f.units}) and ${b.constructor.name}(${b.units})`);
  if (f.goBackwards)
    throw new ValueError(`${ctx.label}: ONNX export needs a forward layer with goBackwards false`);
}

// SimpleRNN, GRU, LSTM: the output (last step, or the whole sequence time-major), then the states if returned.
const recurrent: Converter = (ctx, [x, ...initial]) => {
  const rnn = ctx.layer as BaseRNN<boolean>;
  const { outputs: [y0], states: [states] } =
    recurrentOp(ctx, [rnn], x, initial, rnn.goBackwards ? 'reverse' : 'forward');
  // Keras returns a backwards layer's sequence in processing order, i.e. reversed time; ONNX's is in time order.
  const y = rnn.returnSequences && rnn.goBackwards ? reverseTime(ctx, y0) : y0;
  const out: Out = { name: y, perm: rnn.returnSequences ? TIME_MAJOR : null };
  return rnn.returnState ? [out, ...states.map((s) => ({ name: s, perm: null }))] : [out];
};

const bidirectional: Converter = (ctx, [x, ...initial]) => {
  const layer = ctx.layer as Bidirectional<never>;
  const f = layer.forwardLayer, b = layer.backwardLayer;
  checkSameCells(ctx, f, b);
  const { outputs: [yf, yb], states } = recurrentOp(ctx, [f, b], x, initial, 'bidirectional');
  const perm = layer.returnSequences ? TIME_MAJOR : null;
  const g = ctx.g;
  let merged: string[];
  switch (layer.mergeMode) {
    case 'concat': merged = [g.op('Concat', [yf, yb], ctx.base, { axis: layer.returnSequences ? 2 : 1 })]; break;
    case 'sum': merged = [g.op('Add', [yf, yb], ctx.base)]; break;
    case 'mul': merged = [g.op('Mul', [yf, yb], ctx.base)]; break;
    case 'ave': merged = [g.op('Mul', [g.op('Add', [yf, yb], ctx.base),
      g.floats(`${ctx.base}/half`, Float32Array.of(0.5), [])], ctx.base)]; break;
    default: merged = [yf, yb];
  }
  const outs: Out[] = merged.map((name) => ({ name, perm }));
  if (layer.returnState) outs.push(...states.flat().map((name) => ({ name, perm: null })));
  return outs;
};

// Kiln casts float indices to int32 (truncating); Cast to int64 truncates the same way.
const embedding: Converter = (ctx, [x]) => {
  const layer = ctx.layer as Embedding;
  if (layer.maskZero)
    throw new ValueError(`${ctx.label}: maskZero has no ONNX export: the mask skips padded steps inside the ` +
      `recurrent layers, and ONNX's LSTM/GRU/RNN only take per-sample lengths (padding at the end), not a per-step ` +
      `mask; export a model built with maskZero: false`);
  const table = ctx.g.floats(`${ctx.base}/embeddings`, ctx.weight(layer.embeddings, 'embeddings'),
    layer.embeddings.shape);
  const idx = ctx.g.op('Cast', [ctx.asKiln(x).name], `${ctx.base}/indices`, { to: 7 });
  return [{ name: ctx.g.op('Gather', [table, idx], ctx.base, { axis: 0 }), perm: null }];
};

const masking: Converter = (ctx) => {
  throw new ValueError(`${ctx.label}: Masking has no ONNX export: its mask skips steps inside the recurrent layers, ` +
    `and ONNX's LSTM/GRU/RNN only take per-sample lengths (padding at the end), not a per-step mask`);
};

/** The converters of this file, by layer class. */
export const RECURRENT_CONVERTERS: readonly [abstract new (...args: never[]) => AnyLayer, Converter][] = [
  [SimpleRNN, recurrent],
  [GRU, recurrent],
  [LSTM, recurrent],
  [Bidirectional, bidirectional],
  [Embedding, embedding],
  [Masking, masking],
];
