// The pre-packed-B GEMM entry point (kiln::sgemmPacked, native/rt/kernels/sgemm.h) has no JS surface yet: this
// builds the C++ check sgemm-packed-check.cc against the runtime sources and runs it (float64 reference, bit
// equality with kiln::sgemm, 1 vs 2 threads, no writes past C).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, test } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'kiln-sgemm-packed-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('sgemmPacked matches a float64 reference and sgemm, for 1 and 2 threads', () => {
  const exe = join(dir, 'check');
  execFileSync('g++', ['-O2', '-march=native', '-std=c++17', '-fopenmp', '-Wall', '-Wextra', '-Werror',
    `-I${join(root, 'native/rt')}`, '-I/usr/include/oneapi/dnnl', join(root, 'test/native/sgemm-packed-check.cc'),
    join(root, 'native/rt/kernels/sgemm.cc'), join(root, 'native/rt/kernel.cc'), '-o', exe, '-ldnnl'],
  { stdio: 'pipe' });
  const out = execFileSync(exe, { encoding: 'utf8' });
  expect(out.trim()).toBe('ok 20');
}, 60_000);
