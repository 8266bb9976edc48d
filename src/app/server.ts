import pino from 'pino'
import type { Config } from '../config/load-config.ts'
import { buildContainer } from './container.ts'
import { buildApp, NATIVE_PREFIX } from '../http/build-app.ts'
import { bootstrapIfEmpty } from './first-run.ts'
import { recoverAtStartup } from './recovery.ts'
import { Scheduler } from '../tasks/scheduler.ts'

/** `trove serve`: API and, unless disabled, the task worker and scheduler in one process. */
export async function serve(cfg: Config): Promise<{ url: string; close(): Promise<void> }> {
  const logger = pino({ level: cfg.log.level })
  const log = (msg: string, extra: Record<string, unknown> = {}) => logger.warn(extra, msg)
  const c = await buildContainer(cfg, { log })
  const credentials = await bootstrapIfEmpty(c)
  const recovered = await recoverAtStartup(c)
  if (recovered.stagingRemoved || recovered.leasesReleased || recovered.blobsFreed || recovered.orphansRemoved) logger.info(recovered, 'recovered state left by the previous run')

  const app = await buildApp(c, { logger: { level: cfg.log.level } })
  await app.listen({ host: cfg.http.host, port: cfg.http.port })
  const address = app.server.address()
  const port = typeof address === 'object' && address ? address.port : cfg.http.port
  const url = cfg.http.publicUrl ?? `http://${cfg.http.host}:${port}`

  const scheduler = new Scheduler([{ name: 'trash.purge-expired', everyMs: cfg.jobs.retentionPeriodMs, run: () => c.trash.schedulePurgeExpired(cfg.jobs.retentionPeriodMs) }], log)
  if (cfg.jobs.worker) {
    c.runner.start()
    scheduler.start()
  }

  // Printed once, to stdout, for the person who started the server; never logged and never stored in clear.
  process.stdout.write(`\nTrove is running at ${url}\n  API reference: ${url}/docs   OpenAPI: ${url}/openapi.json   native API: ${url}${NATIVE_PREFIX}\n`)
  if (credentials) {
    process.stdout.write(
      [
        '',
        'First start: created a default library with one space and an admin.',
        `  library id:   ${credentials.libraryId}`,
        `  space id:     ${credentials.spaceId}`,
        `  admin user:   ${credentials.userId}`,
        `  password:     ${credentials.password}`,
        `  admin token:  ${credentials.accessToken}`,
        'These are shown only now; keep them somewhere safe.',
        '',
      ].join('\n') + '\n',
    )
  }
  return {
    url,
    async close() {
      scheduler.stop()
      await app.close()
      await c.close()
      recovered.markCleanShutdown()
    },
  }
}
