import type { Usage } from '../api/types.ts'
import { formatBytes } from '../lib/format.ts'

/**
 * Quota use with live bytes and in-bin bytes drawn and written separately: bytes in the recycle bin still count
 * against the quota until they are purged, and people need to see that to know emptying the bin frees space.
 */
export function UsageBar(props: { usage: Usage; compact?: boolean }) {
  const u = props.usage
  const scale = u.quotaBytes ?? Math.max(u.usedBytes, 1)
  const live = Math.min(100, (u.liveBytes / scale) * 100)
  const bin = Math.min(100 - live, (u.trashBytes / scale) * 100)
  const summary = `${formatBytes(u.liveBytes)} in files, ${formatBytes(u.trashBytes)} in the recycle bin` + (u.quotaBytes === null ? ', no quota' : `, ${formatBytes(u.availableBytes ?? 0)} free of ${formatBytes(u.quotaBytes)}`)
  return (
    <div class={props.compact ? 'usage compact' : 'usage'} role="group" aria-label="Storage used">
      <div class="usage-bar" role="img" aria-label={summary}>
        <span class="usage-live" style={{ width: `${live}%` }} />
        <span class="usage-bin" style={{ width: `${bin}%` }} />
      </div>
      <div class="usage-legend">
        <span>
          <i class="dot live" aria-hidden="true" />
          Files <b data-testid="usage-live">{formatBytes(u.liveBytes)}</b>
        </span>
        <span>
          <i class="dot bin" aria-hidden="true" />
          In bin <b data-testid="usage-bin">{formatBytes(u.trashBytes)}</b>
        </span>
        <span class="muted">{u.quotaBytes === null ? 'No quota' : `${formatBytes(u.availableBytes ?? 0)} free of ${formatBytes(u.quotaBytes)}`}</span>
      </div>
    </div>
  )
}
