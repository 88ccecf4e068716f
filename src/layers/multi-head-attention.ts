// MultiHeadAttention (Keras 3, "Attention Is All You Need"): query, key and value are projected to numHeads heads,
//   scores = softmax((q / √keyDim) · kᵀ) over the value axis, masked positions set to -1e9 before the softmax and
//   to 0 after it (so a fully masked row attends to nothing), dropout on the scores in training,
//   output = concat_heads(scores · v) · W_o + b_o.
// The attention mask is the AND of the explicit attentionMask [B, T, S], the query's mask [B, T, 1], the value's
// (and key's) mask [B, 1, S], and a causal mask when asked. Inputs are rank 3: [batch, time, features] (Keras'
// attentionAxes over higher ranks is not supported). Where Keras' fused inference path leaves fully masked rows
// uniform, Kiln always uses Keras' explicit path (zero scores), so training and inference agree.
import { ShapeError, ValueError } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';
import { getConstraint, serializeConstraint, type ConstraintIdentifier } from '../constraints/index.js';
import type { Constraint } from '../constraints/constraint.js';
import { getInitializer, serializeInitializer, type InitializerIdentifier } from '../initializers/index.js';
import type { Initializer } from '../initializers/initializer.js';
import { getRegularizer, serializeRegularizer, type RegularizerIdentifier } from '../regularizers/index.js';
import type { Regularizer } from '../regularizers/regularizer.js';
import { tensor } from '../ops/creation.js';
import { add, less, logicalAnd, mul, notEqual } from '../ops/prims/binary.js';
import { cast } from '../ops/prims/cast.js';
import { matmul } from '../ops/prims/matmul.js';
import { expandDims, reshape, transpose } from '../ops/prims/movement.js';
import { select } from '../ops/prims/select.js';
import { softmax } from '../ops/composites/softmax.js';
import { randomUniform, SeedGenerator } from '../ops/random.js';
import { defaultSeed } from '../engine/default-seed.js';
import { fmtDims, type Shape } from '../engine/input-spec.js';
import { Layer, type CallArgs, type LayerIO, type LayerOptions, type Mask } from '../engine/layer.js';
import type { LayerWeight } from '../engine/layer-weight.js';
import { registerLayer, type Config } from '../engine/registry.js';

/** Options of MultiHeadAttention (Keras defaults). */
export interface MultiHeadAttentionOptions extends LayerOptions {
  /** Number of attention heads. */
  numHeads: number;
  /** Size of each head for query and key. */
  keyDim: number;
  /** Size of each head for value (default keyDim). */
  valueDim?: number | null;
  /** Dropout rate on the attention scores, in training (default 0). */
  dropout?: number;
  /** Whether the projections have biases (default true). */
  useBias?: boolean;
  /** Last dim of the output (default: the query's last dim). */
  outputShape?: number | null;
  /** Default glorotUniform. */
  kernelInitializer?: InitializerIdentifier;
  /** Default zeros. */
  biasInitializer?: InitializerIdentifier;
  kernelRegularizer?: RegularizerIdentifier | null;
  biasRegularizer?: RegularizerIdentifier | null;
  kernelConstraint?: ConstraintIdentifier | null;
  biasConstraint?: ConstraintIdentifier | null;
  /** Seed of the dropout (default: from the global generator). */
  seed?: number | null;
}

/** Options of attend() (Keras `call` arguments). */
export interface AttendOptions {
  /** Default: value. */
  key?: Tensor;
  /** Bool [batch, T, S] (or broadcastable): true where a query position may attend to a key position. */
  attentionMask?: Tensor | null;
  /** Also return the attention scores [batch, numHeads, T, S] (before dropout). */
  returnAttentionScores?: boolean;
  /** Mask out future positions: query t attends to keys s ≤ t. */
  useCausalMask?: boolean;
  /** Default: the learning phase. */
  training?: boolean;
}

/** One projection: kernel [inDim, heads, size] (or [heads, size, outDim] for the output) and its bias. */
interface Projection {
  kernel: LayerWeight;
  bias: LayerWeight | null;
}

const LARGE_NEGATIVE = -1e9;

/**
 * Multi-head (scaled dot-product) attention. Call it with attend(query, value, {key, attentionMask, ...}), or
 * with apply([query, value]), apply([query, value, key]) or apply([query, value, key, attentionMask]); the
 * masks attached to query, value and key are used as Keras does, and the output keeps the query's mask.
 */
export class MultiHeadAttention extends Layer<Tensor[], LayerIO> {
  readonly numHeads: number;
  readonly keyDim: number;
  readonly valueDim: number;
  readonly dropout: number;
  readonly useBias: boolean;
  readonly outputShape: number | null;
  readonly kernelInitializer: Initializer;
  readonly biasInitializer: Initializer;
  readonly kernelRegularizer: Regularizer | null;
  readonly biasRegularizer: Regularizer | null;
  readonly kernelConstraint: Constraint | null;
  readonly biasConstraint: Constraint | null;
  readonly seed: number | null;
  /** The projections, created by build. */
  query: Projection | null = null;
  key: Projection | null = null;
  value: Projection | null = null;
  attentionOutput: Projection | null = null;
  readonly #generator: SeedGenerator;
  // Per-call options of attend(), read by call().
  #flags = { returnAttentionScores: false, useCausalMask: false };

  constructor(options: MultiHeadAttentionOptions) {
    super(options);
    const { numHeads, keyDim, valueDim = null, dropout = 0, useBias = true, outputShape = null, seed = null } = options;
    const positive = (what: string, v: unknown): void => {
      if (!Number.isInteger(v) || (v as number) <= 0)
        throw new ValueError(`${this.label}: ${what} must be a positive integer, got ${String(v)}`);
    };
    positive('numHeads', numHeads);
    positive('keyDim', keyDim);
    if (valueDim !== null) positive('valueDim', valueDim);
    if (outputShape !== null) positive('outputShape', outputShape);
    if (typeof dropout !== 'number' || !(dropout >= 0 && dropout <= 1))
      throw new ValueError(`${this.label}: dropout must be a number in [0, 1], got ${dropout}`);
    this.numHeads = numHeads;
    this.keyDim = keyDim;
    this.valueDim = valueDim ?? keyDim;
    this.dropout = dropout;
    this.useBias = useBias;
    this.outputShape = outputShape;
    this.kernelInitializer = getInitializer(options.kernelInitializer ?? 'glorotUniform');
    this.biasInitializer = getInitializer(options.biasInitializer ?? 'zeros');
    this.kernelRegularizer = getRegularizer(options.kernelRegularizer);
    this.biasRegularizer = getRegularizer(options.biasRegularizer);
    this.kernelConstraint = getConstraint(options.kernelConstraint);
    this.biasConstraint = getConstraint(options.biasConstraint);
    this.seed = seed;
    this.#generator = new SeedGenerator(seed ?? defaultSeed());
    this.supportsMasking = true;
  }

  /**
   * Attention of `query` [B, T, dim] over `value` [B, S, dim] (and `key`, default value). The flags
   * returnAttentionScores and useCausalMask hold for this call only; a functional model does not record them, so
   * there pass the causal mask as attentionMask.
   */
  attend(query: Tensor, value: Tensor, options?: AttendOptions & { returnAttentionScores?: false }): Tensor;
  /** With returnAttentionScores: [output, scores [B, numHeads, T, S]]. */
  attend(query: Tensor, value: Tensor, options: AttendOptions & { returnAttentionScores: true }): [Tensor, Tensor];
  attend(query: Tensor, value: Tensor, options: AttendOptions = {}): Tensor | [Tensor, Tensor] {
    const { key, attentionMask = null, returnAttentionScores = false, useCausalMask = false, training } = options;
    const inputs = attentionMask ? [query, value, key ?? value, attentionMask] : key ? [query, value, key] : [query, value];
    const saved = this.#flags;
    this.#flags = { returnAttentionScores, useCausalMask };
    try {
      return this.apply(inputs, training === undefined ? {} : { training }) as Tensor | [Tensor, Tensor];
    } finally {
      this.#flags = saved;
    }
  }

  override build(shapes: Shape[]): void {
    const [q, v, k = v] = this.checkShapes(shapes);
    const dim = (s: Shape, what: string): number => {
      const d = s[s.length - 1];
      if (d === null) throw new ValueError(`${this.label}: the last axis of ${what} must be known, got ${fmtDims(s)}`);
      return d;
    };
    const qDim = dim(q, 'query');
    const n = this.numHeads;
    this.query = this.projection('query', [qDim, n, this.keyDim], [n, this.keyDim]);
    this.key = this.projection('key', [dim(k, 'key'), n, this.keyDim], [n, this.keyDim]);
    this.value = this.projection('value', [dim(v, 'value'), n, this.valueDim], [n, this.valueDim]);
    const out = this.outputShape ?? qDim;
    this.attentionOutput = this.projection('attentionOutput', [n, this.valueDim, out], [out]);
  }

  private projection(name: string, kernelShape: number[], biasShape: number[]): Projection {
    const kernel = this.addWeight({
      name: `${name}/kernel`, shape: kernelShape, initializer: this.kernelInitializer,
      regularizer: this.kernelRegularizer, constraint: this.kernelConstraint,
    });
    const bias = this.useBias ? this.addWeight({
      name: `${name}/bias`, shape: biasShape, initializer: this.biasInitializer,
      regularizer: this.biasRegularizer, constraint: this.biasConstraint,
    }) : null;
    return { kernel, bias };
  }

  // [query, value, key?, attentionMask?]: ranks and the shared batch / key-value length.
  private checkShapes(shapes: readonly Shape[]): Shape[] {
    if (shapes.length < 2 || shapes.length > 4)
      throw new ValueError(`${this.label}: expects [query, value], [query, value, key] or [query, value, key, ` +
        `attentionMask], got ${shapes.length} input(s)`);
    const [q, v, k = v] = shapes;
    for (const [what, s] of [['query', q], ['value', v], ['key', k]] as const)
      if (s.length !== 3)
        throw new ShapeError(`${this.label}: expected ${what} of rank 3 [batch, time, features], got shape ${fmtDims(s)}`);
    if (v[0] !== k[0] || v[1] !== k[1])
      throw new ShapeError(`${this.label}: value and key must agree on all axes but the last, got value ` +
        `${fmtDims(v)} and key ${fmtDims(k)}`);
    if (q[0] !== v[0])
      throw new ShapeError(`${this.label}: query and value must have the same batch size, got query ${fmtDims(q)} ` +
        `and value ${fmtDims(v)}`);
    return [q, v, k];
  }

  override call(inputs: Tensor[], { training, mask }: CallArgs): LayerIO {
    this.checkShapes(inputs.map((t) => t.shape));
    const [query, value, key = value, explicit = null] = inputs;
    const masks = Array.isArray(mask) ? mask : [mask];
    const attentionMask = this.attentionMask(query, value, masks[0] ?? null, masks[1] ?? null,
      inputs.length > 2 ? masks[2] ?? null : null, explicit);
    const [b, t] = query.shape;
    const n = this.numHeads;
    // [B, L, dim] → [B, N, L, H]
    const heads = (x: Tensor, p: Projection, size: number): Tensor => {
      const d = x.shape[2];
      let y = reshape(matmul(reshape(x, [b * x.shape[1], d]), reshape(p.kernel, [d, n * size])), [b, x.shape[1], n, size]);
      if (p.bias) y = add(y, p.bias);
      return transpose(y, [0, 2, 1, 3]);
    };
    const q = mul(heads(query, this.query!, this.keyDim), 1 / Math.sqrt(this.keyDim));
    const k = heads(key, this.key!, this.keyDim);
    const v = heads(value, this.value!, this.valueDim);
    let scores = matmul(q, k, false, true);
    const m = attentionMask ? expandDims(attentionMask, -3) : null;
    if (m) scores = select(m, scores, LARGE_NEGATIVE);
    scores = softmax(scores, -1);
    if (m) scores = select(m, scores, 0);
    let weights = scores;
    if (training && this.dropout > 0) weights = mul(scores, this.dropoutMask(scores.shape));
    const context = reshape(transpose(matmul(weights, v), [0, 2, 1, 3]), [b * t, n * this.valueDim]);
    const o = this.attentionOutput!;
    const outDim = o.kernel.shape[2];
    let output = reshape(matmul(context, reshape(o.kernel, [n * this.valueDim, outDim])), [b, t, outDim]);
    if (o.bias) output = add(output, o.bias);
    return this.#flags.returnAttentionScores ? [output, scores] : output;
  }

  /** The output keeps the query's mask; the attention scores get none. */
  override computeMask(_inputs: Tensor[], mask: Mask): Mask {
    const qMask = Array.isArray(mask) ? mask[0] ?? null : mask;
    return this.#flags.returnAttentionScores ? [qMask, null] : qMask;
  }

  // Keras `_compute_attention_mask`: the AND of all the masks that are given, or null.
  private attentionMask(query: Tensor, value: Tensor, qMask: Tensor | null, vMask: Tensor | null,
                        kMask: Tensor | null, explicit: Tensor | null): Tensor | null {
    const bool = (x: Tensor): Tensor => (x.dtype === 'bool' ? x : notEqual(x, 0));
    const and = (a: Tensor | null, c: Tensor): Tensor => (a ? logicalAnd(a, c) : c);
    let auto: Tensor | null = null;
    if (qMask) auto = expandDims(bool(qMask), -1);
    if (vMask) auto = and(auto, expandDims(bool(vMask), -2));
    if (kMask) auto = and(auto, expandDims(bool(kMask), -2));
    if (this.#flags.useCausalMask) {
      const t = query.shape[1], s = value.shape[1];
      const tri = Array.from({ length: t * s }, (_, i) => (Math.floor(i / s) >= i % s ? 1 : 0));
      auto = and(auto, tensor(tri, [1, t, s], 'bool'));
    }
    const given = explicit ? bool(explicit) : null;
    if (!auto) return given;
    return given ? logicalAnd(given, auto) : auto;
  }

  // Inverted dropout mask: 0 with probability `dropout`, else 1 / (1 - dropout).
  private dropoutMask(shape: readonly number[]): Tensor {
    const keep = 1 - this.dropout;
    const u = randomUniform(shape, { dtype: this.dtype, seed: this.#generator });
    return keep > 0 ? mul(cast(less(u, keep), this.dtype), 1 / keep) : mul(u, 0);
  }

  override getConfig(): Config {
    const opt = <T>(v: T | null, f: (v: T) => Config): Config | null => (v ? f(v) : null);
    return {
      ...super.getConfig(),
      numHeads: this.numHeads,
      keyDim: this.keyDim,
      valueDim: this.valueDim,
      dropout: this.dropout,
      useBias: this.useBias,
      outputShape: this.outputShape,
      kernelInitializer: serializeInitializer(this.kernelInitializer),
      biasInitializer: serializeInitializer(this.biasInitializer),
      kernelRegularizer: opt(this.kernelRegularizer, serializeRegularizer),
      biasRegularizer: opt(this.biasRegularizer, serializeRegularizer),
      kernelConstraint: opt(this.kernelConstraint, serializeConstraint),
      biasConstraint: opt(this.biasConstraint, serializeConstraint),
      seed: this.seed,
    };
  }
}

registerLayer(MultiHeadAttention);
