import os from 'node:os';
import path from 'node:path';
import { defineConfig } from 'vitest/config';
import LongestFirstSequencer from './test/support/sequencer.ts';

// Processes the tests start (kessetsu CLI commands, served hubs) reuse Node's compiled-code cache
// instead of compiling every module again; the folder is Node's to manage (test speed, issue 11.7).
process.env.NODE_COMPILE_CACHE ??= path.join(os.tmpdir(), 'kessetsu-node-compile-cache');

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    pool: 'forks',
    maxWorkers: 2,
    // Test files share their worker process (each still opens its own databases and hubs): modules,
    // PGlite's WebAssembly and the schemas are loaded twice per run, not once per file (issue 11.7).
    isolate: false,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // The longest files first, also on a clean clone without vitest's timing cache (issue 11.7).
    sequence: { sequencer: LongestFirstSequencer },
    reporters: ['default'],
    // A larger young generation: the ingest and PGlite paths allocate many short-lived objects, and
    // scavenges were ~10 % of the workers' main-thread time; 32 MiB semi-spaces cut the run's CPU (issue 11.7).
    execArgv: ['--max-semi-space-size=32'],
    experimental: {
      // Test files and the code they import load through Node's own import with its type stripping (how the
      // product itself runs), not through Vite's module runner: no transform pass, and Node's compile cache
      // applies (issue 11.7). Nothing here uses vi.mock or import.meta.vitest, which would need the runner.
      viteModuleRunner: false,
      nodeLoader: false,
    },
  },
});
