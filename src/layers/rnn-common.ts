// The shared part of SimpleRNN, LSTM and GRU (Keras `RNN` + `DropoutRNNCell`): the weights every recurrent cell
// has (kernel, recurrentKernel, bias), input/recurrent dropout masks drawn once per call, and the time loop,
// unrolled over the static time axis, with Keras' masking semantics (a masked step carries the states through
// and repeats the previous output, or outputs zeros with zeroOutputForMask). The initial states are zeros, the
// states given as `initialState` (or after the sequence in a list input, as Keras' functional form), or with
// `stateful` the final states of the previous call, kept in variables of a fixed batch size. The loop is always
// unrolled: Keras' `unroll` option is accepted and changes nothing.
import { ShapeError, ValueError } from '../core/errors.js';
import { Variable } from '../core/variable.js';
import { Tensor } from '../core/tensor.js';
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
import { InputSpec, assertInputCompatibility, fmtDims, type Shape } from '../engine/input-spec.js';
import { outsideTrace } from '../engine/init-scope.js';
import { Layer, type ApplyOptions, type CallArgs, type LayerOptions, type Mask } from '../engine/layer.js';
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
  /**
   * Keep the final states as the next call's initial states (sample i of a batch continues sample i of the
   * previous batch) until resetStates(); needs a fixed batch size (kiln.input({batchSize})). Default false.
   */
  stateful?: boolean;
  /** Accepted for Keras compatibility: the time loop is always unrolled (default false). */
  unroll?: boolean;
}

/** Options of a recurrent layer's apply(): Keras' `initial_state` call argument besides training and mask. */
export interface RecurrentApplyOptions extends ApplyOptions {
  /** The initial states, [batch, units] each (LSTM: [h, c]); default zeros, or the kept states when stateful. */
  initialState?: Tensor | Tensor[];
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
export abstract class BaseRNN<R extends boolean = false> extends Layer<Tensor | Tensor[], RecurrentOutput<R>> {
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
  readonly stateful: boolean;
  readonly unroll: boolean;
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
  // The kept states of a stateful layer ([batch, units] each), created by build.
  #states: Variable[] | null = null;

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
    this.stateful = options.stateful ?? false;
    this.unroll = options.unroll ?? false;
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

  /**
   * Runs the layer; `initialState` (or states after the sequence in a list input, Keras' functional form) gives
   * the initial states.
   */
  override apply(inputs: Tensor | Tensor[], options: RecurrentApplyOptions = {}): RecurrentOutput<R> {
    const { initialState, ...rest } = options;
    const given = initialState === undefined ? [] : initialState instanceof Tensor ? [initialState] : initialState;
    if (!Array.isArray(given) || !given.every((t) => t instanceof Tensor))
      throw new ValueError(`${this.label}: initialState must be a tensor or a list of tensors`);
    const list = [...(Array.isArray(inputs) ? inputs : [inputs]), ...given];
    return super.apply(list.length === 1 ? list[0] : list, rest);
  }

  // The sequence is checked against inputSpec, the initial states (if any) against [batch, units].
  protected override checkInputs(inputs: readonly Tensor[]): void {
    const [x, ...states] = inputs;
    assertInputCompatibility(this.label, this.inputSpec, [x]);
    if (states.length === 0) return;
    if (states.length !== this.stateCount)
      throw new ValueError(`${this.label}: expected ${this.stateCount} initial state(s), got ${states.length}`);
    states.forEach((s, i) => {
      if (s.rank !== 2 || s.shape[0] !== x.shape[0] || s.shape[1] !== this.units)
        throw new ShapeError(`${this.label}: initial state ${i} must have shape [${x.shape[0]}, ${this.units}] ` +
          `(batch, units), got ${fmtDims(s.shape)}`);
    });
  }

  /** Sets the kept states of a stateful layer to zeros, or to `states` ([batch, units] each). */
  resetStates(states?: readonly Tensor[]): void {
    if (!this.stateful) throw new ValueError(`${this.label}: resetStates() needs a layer created with stateful: true`);
    if (!this.#states) return;
    if (states !== undefined && states.length !== this.#states.length)
      throw new ValueError(`${this.label}: resetStates expected ${this.#states.length} state(s), got ${states.length}`);
    this.#states.forEach((v, i) => v.assign(states ? states[i] : 0));
  }

  /** The current kept states of a stateful layer, [batch, units] each (none before build). */
  get states(): Tensor[] {
    return (this.#states ?? []).map((v) => v.read());
  }

  override build(shapes: Shape | Shape[]): void {
    const inputShape = (Array.isArray(shapes[0]) ? shapes[0] : shapes) as Shape;
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
    if (this.stateful) {
      const batch = inputShape[0];
      if (batch === null || batch === undefined || batch < 0)
        throw new ValueError(`${this.label}: a stateful layer needs a fixed batch size; give it with ` +
          `kiln.input({shape, batchSize}) (got input shape ${fmtDims(inputShape)})`);
      this.#states = outsideTrace(() => Array.from({ length: this.stateCount },
        (_, i) => new Variable(zeros([batch, this.units], this.dtype), `${this.name}/state_${i}`, false)));
    }
    this.inputSpec = new InputSpec({ ndim: 3, axes: { [-1]: inputDim } });
  }

  override call(sequenceAndStates: Tensor | Tensor[], { training, mask }: CallArgs): RecurrentOutput<R> {
    const [inputs, ...initial] = Array.isArray(sequenceAndStates) ? sequenceAndStates : [sequenceAndStates];
    const [batch, time, features] = inputs.shape;
    const kept = this.#states;
    if (kept && kept[0].shape[0] !== batch)
      throw new ShapeError(`${this.label}: a stateful layer keeps states for batch size ${kept[0].shape[0]}, got a ` +
        `batch of ${batch} (input shape ${fmtDims(inputs.shape)})`);
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
    let states: Tensor[] = initial.length > 0 ? initial
      : kept ? kept.map((v) => v.read()) : new Array<Tensor>(this.stateCount).fill(zero);
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
    if (kept) kept.forEach((v, i) => v.assign(states[i]));
    return (this.returnState ? [output, ...states] : output) as RecurrentOutput<R>;
  }

  /** The input mask passes through when the sequence is returned; a sequence-reducing RNN drops it. */
  override computeMask(_inputs: Tensor | Tensor[], mask: Mask): Mask {
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
      stateful: this.stateful,
      unroll: this.unroll,
    };
  }
}
