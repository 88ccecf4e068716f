import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { CompileError } from '../../src/core/errors.js';
import { emitObject, hostInfo, jitCompile } from '../../src/core/jit-native.js';
import { fmaReluIR } from './jit-ir.js';

const dir = mkdtempSync(join(tmpdir(), 'kiln-jit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('object file emission (AOT)', () => {
  test('writes a relocatable x86-64 ELF object whose symbol table defines the kernel', () => {
    const path = join(dir, 'fma_relu.o');
    emitObject(fmaReluIR(), path);
    const bytes = readFileSync(path);
    expect([...bytes.subarray(0, 4)]).toEqual([0x7f, 0x45, 0x4c, 0x46]); // \x7fELF
    expect(bytes[4]).toBe(2); // ELFCLASS64
    expect(bytes.readUInt16LE(16)).toBe(1); // ET_REL
    expect(bytes.readUInt16LE(18)).toBe(62); // EM_X86_64
    const symbols = execFileSync('nm', [path], { encoding: 'utf8' });
    expect(symbols).toMatch(/^[0-9a-f]+ T fma_relu$/m);
  });

  test('the object\'s machine code uses the host\'s widest vector registers', () => {
    const path = join(dir, 'fma_relu_vec.o');
    emitObject(fmaReluIR(), path);
    const code = execFileSync('objdump', ['-d', '--no-show-raw-insn', path], { encoding: 'utf8' });
    const features = hostInfo().hostFeatures.split(',');
    const register = features.includes('+avx512f') ? 'zmm' : features.includes('+avx') ? 'ymm' : 'xmm';
    expect(code).toMatch(new RegExp(`vmulps\\s+.*%${register}`));
  });

  test('an unwritable path is a CompileError naming the path', () => {
    const path = join(dir, 'no', 'such', 'dir', 'x.o');
    expect(() => emitObject(fmaReluIR(), path)).toThrow(CompileError);
    expect(() => emitObject(fmaReluIR(), path)).toThrow(`cannot write object file ${path}`);
    expect(existsSync(path)).toBe(false);
  });

  test('bad IR writes no file and reports LLVM\'s message', () => {
    const path = join(dir, 'bad.o');
    expect(() => emitObject('define void @f( {', path)).toThrow(/^jitEmitObject: LLVM IR parse error: kiln_jit_input:1:\d+: error/);
    expect(existsSync(path)).toBe(false);
  });
});

describe('bitcode input', () => {
  // llvm-as-14 comes with llvm-14-dev; the lowering will hand bitcode written by llvm-bindings the same way.
  test('bitcode compiles and runs like the IR text it was assembled from', () => {
    const bcPath = join(dir, 'fma_relu.bc');
    execFileSync('llvm-as-14', ['-o', bcPath], { input: fmaReluIR() });
    const module = jitCompile(new Uint8Array(readFileSync(bcPath)));
    const out = new Float32Array(3);
    module.kernel('fma_relu', { buffers: 4 }).run([new Float32Array([1, -2, 3]), new Float32Array([4, 5, -6]), new Float32Array([0.5]), out]);
    expect([...out]).toEqual([4.5, 0, 0]);
    module.dispose();
  });
});

describe('host and compile time', () => {
  test('host info names the triple, the tuning CPU and features consistent with it', () => {
    const h = hostInfo();
    expect(h.triple).toMatch(/^x86_64-/);
    expect(h.hostCpu.length).toBeGreaterThan(0);
    const features = h.targetFeatures.split(',');
    if (features.includes('+avx512f')) {
      expect(h.targetCpu).toBe('x86-64-v4');
      expect(features).toContain('-prefer-256-bit');
    } else if (features.includes('+avx2') && features.includes('+fma')) {
      expect(h.targetCpu).toBe('x86-64-v3');
    }
    console.log(`kiln jit host: ${h.triple}, LLVM host CPU ${h.hostCpu}, tuning for ${h.targetCpu}`);
  });

  test('a small module compiles (O3 + machine code) in well under a second', () => {
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      const start = performance.now();
      const module = jitCompile(fmaReluIR());
      module.kernel('fma_relu', { buffers: 4 }); // code generation happens at the first lookup
      times.push(performance.now() - start);
      module.dispose();
    }
    const sorted = [...times].sort((x, y) => x - y);
    console.log(`kiln jit compile time of a small module: median ${sorted[2].toFixed(1)} ms, ` +
      `first ${times[0].toFixed(1)} ms (all: ${times.map((t) => t.toFixed(1)).join(', ')})`);
    expect(sorted[2]).toBeLessThan(1000);
  });
});
