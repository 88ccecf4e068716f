// The planning pipeline: verify, fuse into steps, plan the arena.
import type { FuncGraph } from '../ir/func-graph.js';
import { verify } from '../ir/verifier.js';
import { fuse } from './fuse.js';
import { planMemory } from './plan-memory.js';
import type { ExecutionPlan } from './plan.js';

/** The execution plan of a (verified) graph: its fused steps in run order and their memory plan. */
export function planGraph(graph: FuncGraph): ExecutionPlan {
  verify(graph);
  const steps = fuse(graph);
  return { graph, steps, memory: planMemory(graph, steps) };
}
