/**
 * The server of the child-process benchmarks: the real `trove serve` (src/app/server.ts) configured from the
 * environment the parent sets (TROVE_DATA_DIR, TROVE_PORT=0, TROVE_LOG_LEVEL=warn). Reports its URL over IPC and
 * shuts down cleanly when asked.
 */
import { serve } from '../src/app/server.ts'
import { loadConfig } from '../src/config/load-config.ts'

const server = await serve(loadConfig(process.env))
process.on('message', async (m: { close?: boolean }) => {
  if (!m?.close) return
  await server.close()
  process.exit(0)
})
process.send!({ url: server.url })
// If the benchmark dies, do not outlive it.
process.on('disconnect', () => process.exit(1))
