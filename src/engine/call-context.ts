// The state shared by a layer call and the layer calls nested in it (Keras `CallContext`): the training flag
// inherited by inner layers, and the metric names added during the call (to detect collisions).
/** State of one outer layer call. */
export interface CallContext {
  /** The layer whose apply() opened the context. */
  readonly entry: object;
  /** The training flag inner calls inherit. */
  training: boolean | undefined;
  /** Metric name → the layer label that added it during this call. */
  readonly metricOwners: Map<string, string>;
}

let current: CallContext | null = null;

/** The context of the call in progress, or null outside layer calls. */
export function currentCallContext(): CallContext | null {
  return current;
}

/** Returns the current context, opening one (owned by `entry`) when there is none. */
export function enterCallContext(entry: object): { context: CallContext; opened: boolean } {
  if (current) return { context: current, opened: false };
  current = { entry, training: undefined, metricOwners: new Map() };
  return { context: current, opened: true };
}

/** Closes the context if this call opened it. */
export function exitCallContext(opened: boolean): void {
  if (opened) current = null;
}
