// The shared part of SimpleRNN, LSTM and GRU (Keras `RNN` + `DropoutRNNCell`): the weights every recurrent cell
// has (kernel, recurrentKernel, bias), input/recurrent dropout masks drawn once per call, and the time loop,
// unrolled over the static time axis, with Keras' masking semantics (a masked step carries the states through
// and repeats the previous output, or outputs zeros with zeroOutputForMask). The initial states are zeros;
// Keras' initialState, stateful and unroll arguments are not supported (the loop is always unrolled).
import { ShapeError, ValueError } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';
import { getActivation, serializeActivation, type ActivationFn, type ActivationIdentifier } from '../activations.js';
import { getConstraint, serializeConstraint, type ConstraintIdentifier } from '../constraints/index.js';
import type { Constraint } from '../constraints/constraint.js';
import { getInitializer, serializeInitializer, type InitializerIdentifier } from '../initializers/index.js';
import type { Initializer } from '../initializers/initializer.js';
import { getRegularizer, serializeRegularizer, type RegularizerIdentifier } from '../regularizers/index.js';
import type { Regularizer } from '../regularizers/regularizer.js';
import { zeros } from '../ops/creation.js';
import { add, less, mul, notEqual } from '../ops/prims/binary.js';
import { cast } from '../ops/prims/cast.js';
import { matmul } from '../ops/prims/matmul.js';
import { expandDims, reshape } from '../ops/prims/movement.js';
import { select } from '../ops/prims/select.js';
import { stack, unstack } from '../ops/prims/concat.js';
import { randomUniform, SeedGenerator } from '../ops/random.js';
import type { OpInput } from '../ops/dispatch.js';
import { defaultSeed } from '../engine/default-seed.js';
import { InputSpec, fmtDims, type Shape } from '../engine/input-spec.js';
import { Layer, type CallArgs, type LayerOptions, type Mask } from '../engine/layer.js';
import type { LayerWeight } from '../engine/layer-weight.js';
import type { Config } from '../engine/registry.js';

/** What a recurrent layer gives: the output, or [output, ...final states] when returnState is true. */
export type RecurrentOutput<R extends boolean> = R extends true ? Tensor[] : Tensor;

/** Options shared by SimpleRNN, LSTM and GRU (Keras defaults). */
export interface RecurrentOptions<R extends boolean = false> extends LayerOptions {
  /** Size of the state and of the output (a positive integer). */
  units: number;
  /** Activation of the candidate state and output (default tanh). */
  activation?: ActivationIdentifier;
  /** Whether the cell adds biases (default true). */
  useBias?: boolean;
  /** Initializer of the input kernel (default glorotUniform). */
  kernelInitializer?: InitializerIdentifier;
  /** Initializer of the recurrent kernel (default orthogonal). */
  recurrentInitializer?: InitializerIdentifier;
  /** Initializer of the bias (default zeros). */
  biasInitializer?: InitializerIdentifier;
  kernelRegularizer?: RegularizerIdentifier | null;
  recurrentRegularizer?: RegularizerIdentifier | null;
  biasRegularizer?: RegularizerIdentifier | null;
  kernelConstraint?: ConstraintIdentifier | null;
  recurrentConstraint?: ConstraintIdentifier | null;
  biasConstraint?: ConstraintIdentifier | null;
  /** Fraction of the input features dropped in training, one mask per call for all steps (default 0). */
  dropout?: number;
  /** Fraction of the recurrent state dropped before the recurrent product in training (default 0). */
  recurrentDropout?: number;
  /** Seed of the dropout masks (default: from the global generator). */
  seed?: number | null;
  /** Return the whole output sequence [batch, time, units] instead of the last output (default false). */
  returnSequences?: boolean;
  /** Return [output, ...final states] instead of the output (default false). */
  returnState?: R;
  /** Process the sequence from its end; the output sequence is then in that reversed order (default false). */
  goBackwards?: boolean;
  /** Masked steps output zeros instead of repeating the previous output (default false). */
  zeroOutputForMask?: boolean;
}

/** The kernel, recurrent kernel and bias of a cell, as the step function sees them. */
export interface CellWeights {
  /** [inputDim, gates·units]. */
  kernel: LayerWeight;
  /** [units, gates·units]. */
  recurrentKernel: LayerWeight;
  /** The bias (shape per cell), or null without one. */
  bias: LayerWeight | null;
}

const clampRate = (r: number): number => Math.min(1, Math.max(0, r));

/**
 * Base class of the recurrent layers: a cell with `gates` blocks of `units` columns in its kernels, unrolled
 * over the time axis of [batch, time, features] inputs. Subclasses give the cell's step.
 */
export abstract class BaseRNN<R extends boolean = false> extends Layer<Tensor, RecurrentOutput<R>> {
  readonly units: number;
  readonly activation: ActivationFn;
  readonly useBias: boolean;
  readonly kernelInitializer: Initializer;
  readonly recurrentInitializer: Initializer;
  readonly biasInitializer: Initializer;
  readonly kernelRegularizer: Regularizer | null;
  readonly recurrentRegularizer: Regularizer | null;
  readonly biasRegularizer: Regularizer | null;
  readonly kernelConstraint: Constraint | null;
  readonly recurrentConstraint: Constraint | null;
  readonly biasConstraint: Constraint | null;
  readonly dropout: number;
  readonly recurrentDropout: number;
  readonly seed: number | null;
  readonly returnSequences: boolean;
  readonly returnState: boolean;
  readonly goBackwards: boolean;
  /** Set by Bidirectional to returnSequences, as Keras does. */
  zeroOutputForMask: boolean;
  /** [inputDim, gates·units], created by build. */
  kernel: LayerWeight | null = null;
  /** [units, gates·units], created by build. */
  recurrentKernel: LayerWeight | null = null;
  /** Created by build when useBias. */
  bias: LayerWeight | null = null;
  /** Number of `units`-wide blocks in the kernels (SimpleRNN 1, GRU 3, LSTM 4). */
  protected abstract readonly gates: number;
  /** Number of state tensors, returned after the output with returnState (LSTM 2: h and c; others 1). */
  abstract readonly stateCount: number;
  readonly #generator: SeedGenerator;

  constructor(options: RecurrentOptions<R>) {
    super(options);
    const { units, activation = 'tanh', useBias = true, dropout = 0, recurrentDropout = 0, seed = null } = options;
    if (!Number.isInteger(units) || units <= 0)
      throw new ValueError(`${this.label}: units must be a positive integer, got ${units}`);
    for (const [what, r] of [['dropout', dropout], ['recurrentDropout', recurrentDropout]] as const)
      if (typeof r !== 'number' || Number.isNaN(r))
        throw new ValueError(`${this.label}: ${what} must be a number in [0, 1], got ${r}`);
    this.units = units;
    this.activation = getActivation(activation, this.label);
    this.useBias = useBias;
    this.kernelInitializer = getInitializer(options.kernelInitializer ?? 'glorotUniform');
    this.recurrentInitializer = getInitializer(options.recurrentInitializer ?? 'orthogonal');
    this.biasInitializer = getInitializer(options.biasInitializer ?? 'zeros');
    this.kernelRegularizer = getRegularizer(options.kernelRegularizer);
    this.recurrentRegularizer = getRegularizer(options.recurrentRegularizer);
    this.biasRegularizer = getRegularizer(options.biasRegularizer);
    this.kernelConstraint = getConstraint(options.kernelConstraint);
    this.recurrentConstraint = getConstraint(options.recurrentConstraint);
    this.biasConstraint = getConstraint(options.biasConstraint);
    // Keras clamps the rates into [0, 1].
    this.dropout = clampRate(dropout);
    this.recurrentDropout = clampRate(recurrentDropout);
    this.seed = seed;
    this.#generator = new SeedGenerator(seed ?? defaultSeed());
    this.returnSequences = options.returnSequences ?? false;
    this.returnState = options.returnState ?? false;
    this.goBackwards = options.goBackwards ?? false;
    this.zeroOutputForMask = options.zeroOutputForMask ?? false;
    this.inputSpec = new InputSpec({ ndim: 3 });
    this.supportsMasking = true;
  }

  /** Shape of the bias (default [gates·units]). */
  protected biasShape(): number[] {
    return [this.gates * this.units];
  }

  /** Initializer of the bias (LSTM's unitForgetBias replaces it). */
  protected biasInit(): Initializer {
    return this.biasInitializer;
  }

  /** The bias added to the input projection x·kernel (default: the whole bias). */
  protected inputBias(bias: LayerWeight): OpInput {
    return bias;
  }

  /**
   * One step of the cell: `xProj` is x_t·kernel + input bias [batch, gates·units], `states` the previous states,
   * `hRec` the previous output as the recurrent product sees it (after recurrent dropout). Gives the new states;
   * the first one is the step's output.
   */
  protected abstract step(xProj: Tensor, states: readonly Tensor[], hRec: Tensor, w: CellWeights): Tensor[];

  override build(inputShape: Shape): void {
    const inputDim = inputShape[2];
    if (inputDim === null || inputDim === undefined)
      throw new ValueError(`${this.label}: the last axis of the input must be known, got shape ${fmtDims(inputShape)}`);
    const width = this.gates * this.units;
    this.kernel = this.addWeight({
      name: 'kernel', shape: [inputDim, width], initializer: this.kernelInitializer,
      regularizer: this.kernelRegularizer, constraint: this.kernelConstraint,
    });
    this.recurrentKernel = this.addWeight({
      name: 'recurrentKernel', shape: [this.units, width], initializer: this.recurrentInitializer,
      regularizer: this.recurrentRegularizer, constraint: this.recurrentConstraint,
    });
    if (this.useBias)
      this.bias = this.addWeight({
        name: 'bias', shape: this.biasShape(), initializer: this.biasInit(),
        regularizer: this.biasRegularizer, constraint: this.biasConstraint,
      });
    this.inputSpec = new InputSpec({ ndim: 3, axes: { [-1]: inputDim } });
  }

  override call(inputs: Tensor, { training, mask }: CallArgs): RecurrentOutput<R> {
    const [batch, time, features] = inputs.shape;
    const w: CellWeights = { kernel: this.kernel!, recurrentKernel: this.recurrentKernel!, bias: this.bias };
    const stepMask = this.stepMasks(mask, batch, time, inputs.shape);
    let x = inputs;
    // Keras draws one dropout mask per call (DropoutRNNCell) and uses it at every step.
    if (training && this.dropout > 0 && this.dropout < 1)
      x = mul(x, expandDims(this.dropoutMask([batch, features], this.dropout), 1));
    const recMask = training && this.recurrentDropout > 0 && this.recurrentDropout < 1
      ? this.dropoutMask([batch, this.units], this.recurrentDropout) : null;
    // The input projection of all steps is one matrix product; only the recurrent part is sequential.
    let proj = reshape(matmul(reshape(x, [batch * time, features]), w.kernel), [batch, time, this.gates * this.units]);
    if (w.bias) proj = add(proj, this.inputBias(w.bias));
    const xs = unstack(proj, 1);
    const zero = zeros([batch, this.units], this.dtype);
    let states: Tensor[] = new Array<Tensor>(this.stateCount).fill(zero);
    let prevOutput = zero;
    const outputs: Tensor[] = [];
    for (let k = 0; k < time; k++) {
      const t = this.goBackwards ? time - 1 - k : k;
      const h = states[0];
      const next = this.step(xs[t], states, recMask ? mul(h, recMask) : h, w);
      let output = next[0];
      if (stepMask) {
        const m = stepMask[t];
        output = select(m, output, this.zeroOutputForMask ? zero : prevOutput);
        const old = states;
        states = next.map((s, i) => select(m, s, old[i]));
      } else {
        states = next;
      }
      outputs.push(output);
      prevOutput = output;
    }
    const output = this.returnSequences
      ? (time > 0 ? stack(outputs, 1) : zeros([batch, 0, this.units], this.dtype))
      : prevOutput;
    return (this.returnState ? [output, ...states] : output) as RecurrentOutput<R>;
  }

  /** The input mask passes through when the sequence is returned; a sequence-reducing RNN drops it. */
  override computeMask(_inputs: Tensor, mask: Mask): Mask {
    const m = Array.isArray(mask) ? mask[0] ?? null : mask;
    const outputMask = this.returnSequences ? m : null;
    return this.returnState ? [outputMask, ...new Array<null>(this.stateCount).fill(null)] : outputMask;
  }

  // [batch, time] mask → one [batch, 1] bool tensor per step (broadcast over the units).
  private stepMasks(mask: Mask, batch: number, time: number, shape: readonly number[]): Tensor[] | null {
    const m = Array.isArray(mask) ? mask[0] ?? null : mask;
    if (!m) return null;
    if (m.rank !== 2 || m.shape[0] !== batch || m.shape[1] !== time)
      throw new ShapeError(`${this.label}: expected a mask of shape [${batch}, ${time}], got ${fmtDims(m.shape)} ` +
        `(input shape ${fmtDims(shape)})`);
    const b = m.dtype === 'bool' ? m : notEqual(m, 0);
    return time > 0 ? unstack(reshape(b, [batch, time, 1]), 1) : [];
  }

  // Inverted dropout mask: 0 with probability `rate`, else 1 / (1 - rate).
  private dropoutMask(shape: number[], rate: number): Tensor {
    const u = randomUniform(shape, { dtype: this.dtype, seed: this.#generator });
    return mul(cast(less(u, 1 - rate), this.dtype), 1 / (1 - rate));
  }

  override getConfig(): Config {
    const opt = <T>(v: T | null, f: (v: T) => Config): Config | null => (v ? f(v) : null);
    return {
      ...super.getConfig(),
      units: this.units,
      activation: serializeActivation(this.activation, this.label),
      useBias: this.useBias,
      kernelInitializer: serializeInitializer(this.kernelInitializer),
      recurrentInitializer: serializeInitializer(this.recurrentInitializer),
      biasInitializer: serializeInitializer(this.biasInitializer),
      kernelRegularizer: opt(this.kernelRegularizer, serializeRegularizer),
      recurrentRegularizer: opt(this.recurrentRegularizer, serializeRegularizer),
      biasRegularizer: opt(this.biasRegularizer, serializeRegularizer),
      kernelConstraint: opt(this.kernelConstraint, serializeConstraint),
      recurrentConstraint: opt(this.recurrentConstraint, serializeConstraint),
      biasConstraint: opt(this.biasConstraint, serializeConstraint),
      dropout: this.dropout,
      recurrentDropout: this.recurrentDropout,
      seed: this.seed,
      returnSequences: this.returnSequences,
      returnState: this.returnState,
      goBackwards: this.goBackwards,
      zeroOutputForMask: this.zeroOutputForMask,
    };
  }
}
