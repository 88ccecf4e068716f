import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Each test file in its own process: the addon and its OpenMP threads are per process.
    pool: 'forks',
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Compiled-code cache of this run only: tests neither read a stale cache nor fill the user's ~/.cache/kiln.
    env: { KILN_CACHE_DIR: mkdtempSync(join(tmpdir(), 'kiln-test-cache-')) },
  },
});
