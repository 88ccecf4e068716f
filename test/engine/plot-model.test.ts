import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import * as kiln from '../../src/index.js';
import { Layer, Model, Sequential, type Tensor } from '../../src/index.js';

const { Dense } = kiln.layers;

/** Concatenates its list of inputs on the last axis. */
class Join extends Layer<Tensor[], Tensor> {
  override call(xs: Tensor[]): Tensor {
    return kiln.ops.concat(xs, -1);
  }
}

function branchy() {
  const a = kiln.input({ shape: [3], name: 'in_a' }), b = kiln.input({ shape: [3], name: 'in_b' });
  const shared = new Dense({ units: 2, name: 'shared_dense' });
  const joined = new Join({ name: 'join<&>' }).apply([shared.apply(a), shared.apply(b)]);
  return kiln.model({ inputs: [a, b], outputs: new Dense({ units: 1, name: 'out' }).apply(joined), name: 'branchy' });
}

// Tags of an XML-ish document, checked for balance (a light well-formedness check without a parser).
function expectBalancedTags(svg: string): void {
  const stack: string[] = [];
  for (const m of svg.matchAll(/<(\/?)([a-zA-Z]+)[^>]*?(\/?)>/g)) {
    const [, close, name, self] = m;
    if (self) continue;
    if (close) expect(stack.pop()).toBe(name);
    else stack.push(name);
  }
  expect(stack).toEqual([]);
}

describe('plotModel', () => {
  test('writes an SVG with a box per layer and an arrow per connection, and the DOT beside it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kiln-plot-'));
    const file = join(dir, 'branchy.svg');
    const plot = kiln.plotModel(branchy(), file);
    const svg = readFileSync(file, 'utf8');
    expect(svg).toBe(plot.svg);
    expect(readFileSync(join(dir, 'branchy.dot'), 'utf8')).toBe(plot.dot);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expectBalancedTags(svg);
    for (const name of ['in_a', 'in_b', 'shared_dense', 'join&lt;&amp;&gt;', 'out']) expect(svg).toContain(`>${name}<`);
    expect(svg.match(/<rect /g)).toHaveLength(5);
    // in_a → shared, in_b → shared, shared → join (once, though called twice), join → out.
    expect(svg.match(/<line class="edge"/g)).toHaveLength(4);
  });

  test('the DOT lists every layer and each connection', () => {
    const dot = kiln.modelToDot(branchy());
    expect(dot.startsWith('digraph "branchy" {')).toBe(true);
    for (const edge of ['"in_a" -> "shared_dense"', '"in_b" -> "shared_dense"', '"shared_dense" -> "join<&>"',
      '"join<&>" -> "out"']) expect(dot).toContain(edge);
    expect(dot).toContain('"shared_dense" [label="shared_dense|Dense"];');
    expect(dot.trim().endsWith('}')).toBe(true);
  });

  test('layers are drawn top to bottom by their distance from the inputs', () => {
    const plot = kiln.plotModel(branchy(), join(mkdtempSync(join(tmpdir(), 'kiln-plot-')), 'm.svg'));
    const y = (name: string): number => {
      const m = new RegExp(`<rect x="[\\d.]+" y="([\\d.]+)"[^>]*/><text[^>]*>${name}<`).exec(plot.svg);
      return Number(m![1]);
    };
    expect(y('in_a')).toBe(y('in_b'));
    expect(y('in_a')).toBeLessThan(y('shared_dense'));
    expect(y('shared_dense')).toBeLessThan(y('out'));
  });

  test('a Sequential model is drawn as a chain, a subclassed model as its layers', () => {
    const seq = new Sequential([new Dense({ units: 2, name: 'c1' }), new Dense({ units: 1, name: 'c2' })]);
    expect(kiln.modelToDot(seq)).toContain('"c1" -> "c2";');
    class Two extends Model<Tensor, Tensor> {
      readonly p = new Dense({ units: 1, name: 'p_layer' });
      override call(x: Tensor): Tensor {
        return this.p.apply(x);
      }
    }
    const dot = kiln.modelToDot(new Two());
    expect(dot).toContain('"p_layer" [label="p_layer|Dense"];');
    expect(dot).not.toContain('->');
  });
});
