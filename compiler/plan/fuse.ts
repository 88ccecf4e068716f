// Fusion: partitions a FuncGraph's nodes into the steps of an execution plan. Consumers pull in their
// producers when every use of the producer's value is inside the step (so the value needs no buffer) and the
// rules of fusion-rules.ts allow it; then a fused loop merges into a consumer loop or reduction over the same
// space when that creates no cycle (its values that are used elsewhere are stored as extra outputs: softmax's
// exp feeds both the sum and the division), and loops over the same space that read the same value merge
// into one pass over it. Every step is convex, so the steps form a DAG, run in
// topological order; an assignVariable runs after every step that reads the variable's old value.
import { CompileError } from '../../src/core/errors.js';
import type { FuncGraph, Node, Value } from '../ir/func-graph.js';
import { fusionRole, joinsLoop, takesEpilogue, type FusionRole } from './fusion-rules.js';
import { sameShape } from '../../src/ops/shape-utils.js';
import type { Step, StepKind } from './plan.js';

interface Group {
  kind: 'loop' | 'reduce' | 'library' | 'single';
  readonly nodes: Set<Node>;
  root: Node | null;
  /** loop: the output shape; reduce: the reduced input's shape; otherwise the root's output shape. */
  space: readonly number[];
  /** Nodes on the root's output space, after it. */
  readonly epilogue: Set<Node>;
  /** Bumped when the group takes in another's nodes (invalidates cached merge refusals, phase 2). */
  version: number;
}

const STEP_KIND: Record<Group['kind'], StepKind | null> = {
  loop: 'fusedLoop', reduce: 'fusedReduce', library: 'libraryCall', single: null,
};
const SINGLE_KIND: Partial<Record<FusionRole, StepKind>> = {
  movement: 'movement', view: 'view', state: 'state', kernel: 'kernel',
};

class Fuser {
  private readonly order = new Map<Node, number>();
  private readonly roles = new Map<Node, FusionRole>();
  private readonly consumers = new Map<Value, Node[]>();
  private readonly returned: Set<Value>;
  readonly groupOf = new Map<Node, Group>();
  /** Phase 2: successors() per group; a merge drops the entries it changes. */
  private readonly successorCache = new Map<Group, Set<Group>>();
  /**
   * Phase 2: pairs canMerge() or siblings() refused, with both groups' versions then. A refusal stays valid
   * while neither group changes: merging only contracts the group DAG, so a path that made a cycle remains.
   */
  private readonly refused = new Map<Group, Map<Group, string>>();

  constructor(readonly graph: FuncGraph) {
    this.returned = new Set(graph.outputs);
    graph.nodes.forEach((n, i) => {
      this.order.set(n, i);
      this.roles.set(n, fusionRole(n, n.outputs.some((v) => this.returned.has(v))));
      for (const v of new Set(n.inputs)) {
        const list = this.consumers.get(v);
        if (list) list.push(n);
        else this.consumers.set(v, [n]);
      }
    });
  }

  readonly index = (n: Node): number => this.order.get(n)!;

  usersOf(v: Value): readonly Node[] {
    return this.consumers.get(v) ?? [];
  }

  /** Whether `v` must be stored by the step that computes it. */
  stored(v: Value, group: Group): boolean {
    const users = this.usersOf(v);
    return this.returned.has(v) || users.length === 0 || users.some((u) => !group.nodes.has(u));
  }

  /** Phase 1: one group per node not pulled into a later node's group, in reverse graph order. */
  groupNodes(): void {
    for (let i = this.graph.nodes.length - 1; i >= 0; i--) {
      const n = this.graph.nodes[i];
      if (this.groupOf.has(n)) continue;
      const role = this.roles.get(n)!;
      const g: Group = { kind: 'single', nodes: new Set([n]), root: null, space: n.outputs[0]?.shape ?? [],
        epilogue: new Set(), version: 0 };
      if (role === 'elementwise') g.kind = 'loop';
      if (role === 'reduction' || role === 'library') {
        g.kind = role === 'reduction' ? 'reduce' : 'library';
        g.root = n;
        if (role === 'reduction') g.space = n.inputs[0].shape;
      }
      this.groupOf.set(n, g);
      this.pullProducers(g);
    }
  }

  private pullProducers(g: Group): void {
    for (let changed = true; changed && (g.kind === 'loop' || g.kind === 'reduce');) {
      changed = false;
      for (const n of [...g.nodes])
        for (const v of n.inputs)
          if (v.def.kind === 'node' && !this.groupOf.has(v.def.node) && this.tryPull(g, v.def.node)) changed = true;
    }
  }

  private tryPull(g: Group, p: Node): boolean {
    // A library call's operands and epilogue operands come from memory (oneDNN reads them).
    if (g.kind !== 'loop' && g.kind !== 'reduce') return false;
    const v = p.outputs[0];
    const users = this.usersOf(v);
    if (p.outputs.length !== 1 || this.returned.has(v) || !users.every((u) => g.nodes.has(u))) return false;
    const role = this.roles.get(p)!;
    const add = (toEpilogue: boolean): true => {
      g.nodes.add(p);
      if (toEpilogue) g.epilogue.add(p);
      this.groupOf.set(p, g);
      return true;
    };
    if (g.kind === 'reduce') {
      if (users.every((u) => g.epilogue.has(u))) return joinsLoop(role, v, g.root!.outputs[0].shape) && add(true);
      return users.every((u) => !g.epilogue.has(u)) && joinsLoop(role, v, g.space) && add(false);
    }
    if (joinsLoop(role, v, g.space)) return add(false);
    if (!takesEpilogue(p, role, g.nodes, this.index, g.space)) return false;
    for (const n of g.nodes) g.epilogue.add(n);
    g.kind = role === 'reduction' ? 'reduce' : 'library';
    g.root = p;
    if (role === 'reduction') g.space = p.inputs[0].shape;
    return add(false);
  }

  groups(): Group[] {
    return [...new Set(this.groupOf.values())];
  }

  /** Groups that read a value `g` computes. */
  successors(g: Group): Set<Group> {
    const cached = this.successorCache.get(g);
    if (cached) return cached;
    const out = new Set<Group>();
    for (const n of g.nodes)
      for (const v of n.outputs)
        for (const u of this.usersOf(v)) {
          const h = this.groupOf.get(u)!;
          if (h !== g) out.add(h);
        }
    this.successorCache.set(g, out);
    return out;
  }

  private reaches(from: Iterable<Group>, target: Group): boolean {
    const seen = new Set<Group>();
    const stack = [...from];
    while (stack.length) {
      const g = stack.pop()!;
      if (g === target) return true;
      if (seen.has(g)) continue;
      seen.add(g);
      stack.push(...this.successors(g));
    }
    return false;
  }

  /** Whether loop `f` may merge into its consumer `g`: same space, read in g's input space, no cycle. */
  private canMerge(f: Group, g: Group): boolean {
    if (f.kind !== 'loop' || (g.kind !== 'loop' && g.kind !== 'reduce') || !sameShape(f.space, g.space)) return false;
    for (const n of f.nodes)
      for (const v of n.outputs)
        if (this.usersOf(v).some((u) => g.epilogue.has(u))) return false;
    const others = [...this.successors(f)].filter((h) => h !== g);
    return !this.reaches(others, g);
  }

  /**
   * False when `test` refused the pair (f, g) before and neither group has changed since; otherwise runs
   * `test`, remembering a refusal.
   */
  private allowed(f: Group, g: Group, kind: string, test: () => boolean): boolean {
    const stamp = `${kind}:${f.version}:${g.version}`;
    let row = this.refused.get(f);
    if (row?.get(g) === stamp) return false;
    if (test()) return true;
    if (!row) this.refused.set(f, (row = new Map()));
    row.set(g, stamp);
    return false;
  }

  /** A pair of loops over the same space that read one full-size value and do not depend on each other. */
  private siblings(): [Group, Group] | null {
    for (const [v, users] of this.consumers) {
      const loops = [...new Set(users.map((u) => this.groupOf.get(u)!))]
        .filter((g) => g.kind === 'loop' && sameShape(g.space, v.shape));
      for (let i = 0; i < loops.length; i++)
        for (let j = i + 1; j < loops.length; j++) {
          const [f, g] = [loops[i], loops[j]];
          if (this.allowed(f, g, 'sibling',
            () => !this.reaches(this.successors(f), g) && !this.reaches(this.successors(g), f))) return [f, g];
        }
    }
    return null;
  }

  /**
   * Phase 2: merges fused loops into consumer loops and reductions, then loops that read the same value
   * (one pass over it instead of two), until none can merge.
   */
  mergeLoops(): void {
    // groups(), kept up to date without rescanning every node: a merged group takes the earlier of its two
    // places, as groups() (first occurrence in groupOf's key order) would give it.
    const order = this.groups();
    for (;;) {
      let pair: [Group, Group] | null = null;
      for (const f of order) {
        const g = [...this.successors(f)].find((h) => this.allowed(f, h, 'merge', () => this.canMerge(f, h)));
        if (g) {
          pair = [f, g];
          break;
        }
      }
      pair ??= this.siblings();
      if (!pair) return;
      const [f, g] = pair;
      // Only g's successors and those of f's predecessors (which now lead to g) change.
      this.successorCache.delete(g);
      for (const n of f.nodes)
        for (const v of n.inputs) if (v.def.kind === 'node') this.successorCache.delete(this.groupOf.get(v.def.node)!);
      for (const n of f.nodes) {
        g.nodes.add(n);
        this.groupOf.set(n, g);
      }
      g.version++;
      const fi = order.indexOf(f), gi = order.indexOf(g);
      if (fi < gi) {
        order[fi] = g;
        order.splice(gi, 1);
      } else order.splice(fi, 1);
    }
  }

  /** Values a view-aliases chain makes share `v`'s bytes (v included). */
  private aliases(v: Value): Value[] {
    const out = [v];
    for (let i = 0; i < out.length; i++)
      for (const u of this.usersOf(out[i])) if (this.roles.get(u) === 'view') out.push(u.outputs[0]);
    return out;
  }

  /** Phase 3: topological order of the groups (earliest first node first), as steps. */
  steps(): Step[] {
    const groups = this.groups();
    const deps = new Map<Group, Set<Group>>(groups.map((g) => [g, new Set<Group>()]));
    const dependOn = (g: Group, v: Value) => {
      if (v.def.kind === 'node') {
        const h = this.groupOf.get(v.def.node)!;
        if (h !== g) deps.get(g)!.add(h);
      }
    };
    for (const g of groups)
      for (const n of g.nodes) {
        for (const v of n.inputs) dependOn(g, v);
        // Variables are updated in place: every reader of the old value runs before an update, and updates
        // of one variable run in graph order (the last one wins).
        if (this.roles.get(n) === 'state')
          for (const a of this.aliases(n.inputs[0]))
            for (const u of this.usersOf(a))
              if (this.roles.get(u) !== 'state' || this.index(u) < this.index(n)) {
                const h = this.groupOf.get(u)!;
                if (h !== g) deps.get(g)!.add(h);
              }
      }
    const firstNode = new Map(groups.map((g) => [g, Math.min(...[...g.nodes].map(this.index))]));
    const first = (g: Group) => firstNode.get(g)!;
    const done = new Set<Group>();
    const steps: Step[] = [];
    while (done.size < groups.length) {
      let next: Group | null = null;
      for (const g of groups)
        if (!done.has(g) && [...deps.get(g)!].every((d) => done.has(d)) && (!next || first(g) < first(next))) next = g;
      if (!next) throw new CompileError(`fuse @${this.graph.name}: the steps depend on each other in a cycle`);
      done.add(next);
      steps.push(this.toStep(next, steps.length));
    }
    return steps;
  }

  private toStep(g: Group, index: number): Step {
    const nodes = [...g.nodes].sort((a, b) => this.index(a) - this.index(b));
    const computed = new Set(nodes.flatMap((n) => n.outputs));
    const inputs = [...new Set(nodes.flatMap((n) => n.inputs))].filter((v) => !computed.has(v));
    const outputs = [...computed].filter((v) => this.stored(v, g));
    return {
      index,
      kind: STEP_KIND[g.kind] ?? SINGLE_KIND[this.roles.get(nodes[0])!]!,
      nodes,
      root: g.root,
      epilogue: nodes.filter((n) => g.epilogue.has(n)),
      space: g.space,
      inputs,
      outputs,
    };
  }
}

/**
 * Partitions `graph` into steps: library calls with epilogue chains, fused elementwise loops, fused
 * reductions, movement, views and state updates, in an order that respects every data dependency and runs
 * variable updates after the reads of their old values.
 */
export function fuse(graph: FuncGraph): Step[] {
  const fuser = new Fuser(graph);
  fuser.groupNodes();
  fuser.mergeLoops();
  return fuser.steps();
}
