import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, test } from 'vitest';
import { CompileError } from '../../src/core/errors.js';
import { compileObject, JitModule } from '../../src/core/jit-native.js';
import { lowerStep } from '../../compiler/lower/cpu/lower-step.js';
import {
  clearCodeCache, codeCacheFile, codeCacheKey, codeCacheStats, compileCached,
} from '../../runtime/executable/code-cache.js';
import { describePlan } from '../../runtime/executable/describe-plan.js';
import { compileAndRun, smallInput, smallPlan, SHAPE, type ChildReport } from './code-cache-fixture.js';
import { runFixtureChild } from './fixture-child.js';

const cacheRoot = mkdtempSync(join(tmpdir(), 'kiln-code-cache-'));
let dirCount = 0;

// Every test gets an empty disk cache and an empty in-process cache.
beforeEach(() => {
  process.env.KILN_CACHE_DIR = join(cacheRoot, `dir${dirCount++}`);
  clearCodeCache();
});
afterAll(() => rmSync(cacheRoot, { recursive: true, force: true }));

/** float64 reference of the fixture's outputs, from the same input values. */
function reference(): number[][] {
  const x = [...smallInput().dataSync()];
  const [rows, cols] = SHAPE;
  const sums = Array.from({ length: rows }, (_, r) => {
    let s = 0;
    for (let c = 0; c < cols; c++) s += Math.exp(-Math.max(x[r * cols + c] - 0.25, 0));
    return s;
  });
  return [sums, x.map((v) => v * v + 1)];
}

function expectNear(actual: readonly number[], expected: readonly number[], rtol: number): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((a, i) => expect(Math.abs(a - expected[i])).toBeLessThanOrEqual(rtol * (1 + Math.abs(expected[i]))));
}

/** Compiles the fixture into the (empty) disk cache; returns its one cache file and the file's key. */
function cachedFile(): { file: string; key: string } {
  expect(describePlan(smallPlan(), lowerStep).codeSource).toBe('compiled');
  const dir = process.env.KILN_CACHE_DIR!;
  const names = readdirSync(dir);
  expect(names).toHaveLength(1);
  const key = names[0].replace(/\.kobj$/, '');
  expect(codeCacheFile(key)).toBe(join(dir, names[0]));
  clearCodeCache();
  return { file: join(dir, names[0]), key };
}

/** Rewrites the file's object as `edit` makes it, with a header whose size and hash match the new object. */
function rewriteObject(file: string, edit: (object: Buffer) => Buffer): void {
  const bytes = readFileSync(file);
  const object = edit(Buffer.from(bytes.subarray(80)));
  const header = Buffer.from(bytes.subarray(0, 80));
  header.writeBigUInt64LE(BigInt(object.length), 40);
  createHash('sha256').update(object).digest().copy(header, 48);
  writeFileSync(file, Buffer.concat([header, object]));
}

/** Compiles the fixture again, expecting the file to be rejected, recompiled and rewritten valid. */
function expectRejectedAndRecompiled(file: string): void {
  const described = describePlan(smallPlan(), lowerStep);
  expect(described.codeSource).toBe('compiled');
  expect(codeCacheStats()).toMatchObject({ rejectedFiles: 1, compiles: 1, diskHits: 0 });
  clearCodeCache();
  expect(describePlan(smallPlan(), lowerStep).codeSource).toBe('disk');
  expect(statSync(file).size).toBeGreaterThan(80);
}

describe('in-process cache', () => {
  test('a second compile of the same plan in the same process is a memory hit that does no LLVM work', () => {
    let t = performance.now();
    const first = describePlan(smallPlan(), lowerStep);
    const coldMs = performance.now() - t;
    expect(first.codeSource).toBe('compiled');
    expect(first.jitSteps).toBeGreaterThanOrEqual(2);
    // A fresh trace of the same function: the same linked IR, hence the same key and the same module.
    t = performance.now();
    const second = describePlan(smallPlan(), lowerStep);
    const warmMs = performance.now() - t;
    expect(second.codeSource).toBe('memory');
    expect(second.modules[0]).toBe(first.modules[0]);
    expect(codeCacheStats()).toMatchObject({ compiles: 1, memoryHits: 1, diskHits: 0 });
    console.log(`fixture plan: cold describePlan ${coldMs.toFixed(1)} ms, warm ${warmMs.toFixed(1)} ms`);
    expect(warmMs).toBeLessThan(coldMs / 4);
  });

  test('a memory hit itself costs about nothing', () => {
    const ir = 'define void @k(i8** %b, i64* %s, i64 %n) {\n  ret void\n}\n';
    const check = (m: JitModule) => void m.kernel('k', { buffers: 0 });
    expect(compileCached(ir, check).source).toBe('compiled');
    const t = performance.now();
    for (let i = 0; i < 100; i++) expect(compileCached(ir, check).source).toBe('memory');
    const perHitMs = (performance.now() - t) / 100;
    console.log(`memory hit: ${(perHitMs * 1000).toFixed(1)} µs`);
    expect(perHitMs).toBeLessThan(1);
  });

  test('the cache key depends on the IR and the optimization level', () => {
    const a = 'define void @k() {\n  ret void\n}\n';
    expect(codeCacheKey(a)).toMatch(/^[0-9a-f]{64}$/);
    expect(codeCacheKey(a)).toBe(codeCacheKey(a, 3));
    expect(codeCacheKey(a, 2)).not.toBe(codeCacheKey(a));
    expect(codeCacheKey(`${a} `)).not.toBe(codeCacheKey(a));
  });
});

describe('disk cache', () => {
  test('after the in-process cache is cleared, the plan links its object from disk and computes the reference', () => {
    const compiled = compileAndRun();
    expect(compiled.stats).toMatchObject({ compiles: 1, diskHits: 0 });
    clearCodeCache();
    const loaded = compileAndRun();
    expect(loaded.stats).toMatchObject({ compiles: 0, diskHits: 1, rejectedFiles: 0 });
    const want = reference();
    loaded.outputs.forEach((out, i) => {
      expect(out).toEqual(compiled.outputs[i]);
      expectNear(out, want[i], 1e-5);
    });
  });

  test('a second process reuses the on-disk object and produces identical results', () => {
    const dir = mkdtempSync(join(cacheRoot, 'child-'));
    const child = (): ChildReport => runFixtureChild<ChildReport>('compileAndRun', dir, join(dir, 'cache'));
    const first = child();
    expect(first.stats).toMatchObject({ compiles: 1, diskHits: 0 });
    const second = child();
    expect(second.stats).toMatchObject({ compiles: 0, diskHits: 1, rejectedFiles: 0 });
    expect(second.outputs).toEqual(first.outputs);
    const want = reference();
    second.outputs.forEach((out, i) => expectNear(out, want[i], 1e-5));
  }, 120_000);

  test('a truncated cache file is ignored, deleted and compiled again', () => {
    const { file } = cachedFile();
    writeFileSync(file, readFileSync(file).subarray(0, 200));
    expectRejectedAndRecompiled(file);
  });

  test('a cache file whose object lacks the ELF magic is rejected even when its size and hash match', () => {
    const { file } = cachedFile();
    rewriteObject(file, (object) => {
      object[1] = 0x58;
      return object;
    });
    expectRejectedAndRecompiled(file);
  });

  test('a cache file stored under another key is rejected', () => {
    const { file, key } = cachedFile();
    writeFileSync(file, readFileSync(cachedFileFor(key)));
    clearCodeCache();
    expectRejectedAndRecompiled(file);
  });

  test('a well-formed cache file whose object does not link is rejected and compiled again', () => {
    const { file } = cachedFile();
    // Half an object: the header checks pass, LLVM's object reader fails (its section table is past the end).
    rewriteObject(file, (object) => object.subarray(0, object.length >> 1));
    expectRejectedAndRecompiled(file);
  });

  test('an unusable cache directory only turns the disk cache off', () => {
    const notADir = join(cacheRoot, `file${dirCount}`);
    writeFileSync(notADir, 'x');
    process.env.KILN_CACHE_DIR = notADir;
    const report = compileAndRun();
    expect(report.stats).toMatchObject({ compiles: 1, failedWrites: 1 });
    reference().forEach((want, i) => expectNear(report.outputs[i], want, 1e-5));
  });
});

/** A valid cache file of another module (a key other than `key`), written into the current cache directory. */
function cachedFileFor(key: string): string {
  const ir = 'define void @other(i8** %b, i64* %s, i64 %n) {\n  ret void\n}\n';
  const code = compileCached(ir, (m) => void m.kernel('other', { buffers: 0 }));
  expect(code.key).not.toBe(key);
  return codeCacheFile(code.key);
}

describe('objects', () => {
  test('compileObject emits an ELF object that JitModule.load links and runs', () => {
    const ir = [
      'define void @twice(i8** %b, i64* %s, i64 %n) {',
      '  %p = load i8*, i8** %b',
      '  %f = bitcast i8* %p to float*',
      '  %x = load float, float* %f',
      '  %y = fmul float %x, 2.0',
      '  store float %y, float* %f',
      '  ret void',
      '}',
    ].join('\n');
    const object = compileObject(ir);
    expect([...object.subarray(0, 4)]).toEqual([0x7f, 0x45, 0x4c, 0x46]);
    const module = JitModule.load(object);
    const data = new Float32Array([1.5]);
    module.kernel('twice', { buffers: 1 }).run([data]);
    expect(data[0]).toBe(3);
    expect(module.optimizedIR).toBe('');
    module.dispose();
  });

  test('JitModule.load rejects bytes that are not an ELF object with a CompileError naming jitLoadObject', () => {
    expect(() => JitModule.load(new Uint8Array(100))).toThrow(CompileError);
    expect(() => JitModule.load(new Uint8Array(100))).toThrow(/jitLoadObject: .*bad magic/);
    expect(() => JitModule.load(new Uint8Array([0x7f, 0x45, 0x4c, 0x46]))).toThrow(/jitLoadObject: 4 bytes is too short/);
  });

  test('compileObject reports invalid IR as a CompileError', () => {
    expect(() => compileObject('define void @f() {\n  ret i32 0\n}\n')).toThrow(CompileError);
  });
});
