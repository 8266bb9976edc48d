import pino from 'pino'
import type { Config } from '../config/load-config.ts'
import { buildContainer } from './container.ts'
import { recoverAtStartup } from './recovery.ts'
import { Scheduler } from '../tasks/scheduler.ts'

/** `trove worker`: background tasks and the scheduler only, no HTTP. Any number may run against one database. */
export async function runWorker(cfg: Config): Promise<{ close(): Promise<void> }> {
  const logger = pino({ level: cfg.log.level })
  const log = (msg: string, extra: Record<string, unknown> = {}) => logger.warn(extra, msg)
  const c = await buildContainer(cfg, { log })
  const recovered = await recoverAtStartup(c)
  const scheduler = new Scheduler([{ name: 'trash.purge-expired', everyMs: cfg.jobs.retentionPeriodMs, run: () => c.trash.schedulePurgeExpired(cfg.jobs.retentionPeriodMs) }], log)
  c.runner.start()
  scheduler.start()
  logger.info({ worker: c.runner.workerId }, 'worker started')
  process.stdout.write(`Trove worker ${c.runner.workerId} started\n`)
  return {
    async close() {
      scheduler.stop()
      await c.close()
      recovered.markCleanShutdown()
    },
  }
}
