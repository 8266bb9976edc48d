import type { Command } from 'commander'
import { loadConfig } from '../config/load-config.ts'
import { buildContainer } from '../app/container.ts'
import { formatReport } from '../fsck/fsck.service.ts'
import { BackupError, BackupService, embeddedLayout, UNSUPPORTED_MESSAGE } from './backup.service.ts'

/**
 * `bin/trove backup DEST` and `bin/trove restore-backup SRC`. Exit codes: 0 done (restore: and fsck clean), 1 failed or
 * refused (restore: or fsck found problems), 2 not supported for this configuration (PostgreSQL and/or S3).
 */
export function registerBackupCommands(program: Command, env: NodeJS.ProcessEnv): void {
  const fail = (e: unknown) => {
    if (!(e instanceof BackupError)) throw e
    process.stderr.write(`trove: ${e.message} (${e.code})\n`)
    process.exitCode = 1
  }

  program
    .command('backup')
    .description('Copy the whole instance (database snapshot + the blobs it references) into DEST, with the server running or not')
    .argument('<dest>', 'an empty or new directory')
    .option('--json', 'print the manifest as JSON')
    .action(async (dest: string, opts: { json?: boolean }) => {
      const layout = embeddedLayout(loadConfig(env))
      if (!layout) {
        process.stderr.write(`trove: ${UNSUPPORTED_MESSAGE}\n`)
        process.exitCode = 2
        return
      }
      const service = new BackupService({ log: (m) => process.stderr.write(`trove backup: ${m}\n`) })
      try {
        const m = await service.backup(layout, dest)
        const c = m.counts
        const human = [
          `backup written to ${dest}`,
          `  backup time: ${m.backupTime} (the instance as it was then; ${m.snapshots} snapshot${m.snapshots === 1 ? '' : 's'})`,
          `  database:    ${m.database.bytes} bytes, sha256 ${m.database.sha256}`,
          `  blobs:       ${m.blobs.count} (${m.blobs.bytes} bytes), each hashed while copied`,
          `  contents:    ${c.libraries} libraries, ${c.spaces} spaces, ${c.files} files, ${c.folders} folders, ${c.binEntries} bin entries, ${c.unfinishedTasks} unfinished tasks`,
        ].join('\n')
        process.stdout.write((opts.json ? JSON.stringify(m) : human) + '\n')
      } catch (e) {
        fail(e)
      }
    })

  program
    .command('restore-backup')
    .description('Restore a backup made by `trove backup` into an empty TROVE_DATA_DIR, verifying every blob, then run fsck')
    .argument('<src>', 'the backup directory')
    .option('--json', 'print the result and the fsck report as JSON')
    .action(async (src: string, opts: { json?: boolean }) => {
      const cfg = loadConfig(env)
      const layout = embeddedLayout(cfg)
      if (!layout) {
        process.stderr.write(`trove: ${UNSUPPORTED_MESSAGE}\n`)
        process.exitCode = 2
        return
      }
      let restored
      try {
        restored = await new BackupService().restore(src, layout)
      } catch (e) {
        return fail(e)
      }
      const c = await buildContainer(cfg)
      try {
        const report = await c.fsck.check()
        const human = `restored the backup of ${restored.manifest.backupTime} into ${restored.dataDir}: ${restored.blobs.count} blobs (${restored.blobs.bytes} bytes) verified\n${formatReport(report)}`
        process.stdout.write((opts.json ? JSON.stringify({ restored, fsck: report }) : human) + '\n')
        process.exitCode = report.ok ? 0 : 1
      } finally {
        await c.close()
      }
    })
}
