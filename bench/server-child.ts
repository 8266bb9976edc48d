/**
 * The server of the child-process benchmarks: the real `trove serve` (src/app/server.ts) configured from the
 * environment the parent sets (TROVE_DATA_DIR, TROVE_PORT=0, TROVE_LOG_LEVEL=warn). Reports its URL over IPC and
 * shuts down cleanly when asked.
 */
import { serve } from '../src/app/server.ts'
import { loadConfig } from '../src/config/load-config.ts'

const server = await serve(loadConfig(process.env))
process.on('message', async (m: { close?: boolean; mem?: number; gc?: boolean }) => {
  // The parent samples the V8 heap to tell JS memory from native memory (SQLite, buffers) in an RSS reading;
  // with BENCH_SERVER_NODE_ARGS=--expose-gc it can ask for a full collection first (live data vs garbage).
  if (m?.mem !== undefined) {
    const gc = (globalThis as { gc?: () => void }).gc
    if (m.gc && gc) gc()
    return process.send!({ mem: m.mem, usage: process.memoryUsage() })
  }
  if (!m?.close) return
  await server.close()
  process.exit(0)
})
process.send!({ url: server.url })
// If the benchmark dies, do not outlive it.
process.on('disconnect', () => process.exit(1))
