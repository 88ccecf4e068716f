// Weights and metric state are created eagerly even when a layer is first built while a function is traced
// (as TensorFlow's `init_scope`): their initial values must be concrete, not graph values.
import { setVariableTracer } from '../core/variable.js';
import { setTraceHook } from '../ops/dispatch.js';

/** Runs `fn` with tracing suspended, so the ops inside it run eagerly. */
export function outsideTrace<T>(fn: () => T): T {
  const hook = setTraceHook(null);
  const tracer = setVariableTracer(null);
  try {
    return fn();
  } finally {
    setTraceHook(hook);
    setVariableTracer(tracer);
  }
}
