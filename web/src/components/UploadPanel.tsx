import { uploads, useUploads, type UploadItem } from '../lib/uploads.ts'
import { formatBytes, percent } from '../lib/format.ts'

const STATUS: Record<UploadItem['status'], string> = {
  queued: 'Waiting',
  uploading: 'Uploading',
  done: 'Uploaded',
  failed: 'Failed',
  cancelled: 'Cancelled',
  conflict: 'Name taken',
}

/** The upload queue: a progress bar and Cancel per file; a taken name offers Keep both / Replace. */
export function UploadPanel() {
  const items = useUploads()
  if (!items.length) return null
  const active = items.filter((x) => x.status === 'uploading' || x.status === 'queued').length
  return (
    <section class="uploads" aria-label="Uploads">
      <div class="uploads-head">
        <h2>{active ? `Uploading ${active} file${active === 1 ? '' : 's'}` : 'Uploads'}</h2>
        <button type="button" class="small" onClick={() => uploads.clearFinished()} disabled={items.length === active}>
          Clear finished
        </button>
      </div>
      <ul>
        {items.map((u) => (
          <li key={u.id} class={`upload ${u.status}`} data-upload={u.name}>
            <div class="upload-line">
              <span class="name" title={u.name}>
                {u.name}
              </span>
              <span class="muted small" data-testid="upload-status">
                {STATUS[u.status]} · {formatBytes(u.size)}
              </span>
            </div>
            <progress max={100} value={u.status === 'done' ? 100 : percent(u.sent, u.size)} aria-label={`Upload of ${u.name}`} />
            {u.error && (
              <p class="error small" role="alert">
                {u.error}
              </p>
            )}
            <div class="upload-actions">
              {(u.status === 'uploading' || u.status === 'queued') && (
                <button type="button" class="small" onClick={() => uploads.cancel(u.id)} aria-label={`Cancel upload of ${u.name}`}>
                  Cancel
                </button>
              )}
              {u.status === 'conflict' && (
                <>
                  <button type="button" class="small" onClick={() => uploads.retry(u.id, 'rename')}>
                    Keep both
                  </button>
                  <button type="button" class="small" onClick={() => uploads.retry(u.id, 'overwrite')}>
                    Replace
                  </button>
                  <button type="button" class="small" onClick={() => uploads.cancel(u.id)}>
                    Skip
                  </button>
                </>
              )}
              {(u.status === 'failed' || u.status === 'cancelled') && (
                <button type="button" class="small" onClick={() => uploads.retry(u.id, u.onConflict)}>
                  Retry
                </button>
              )}
            </div>
          </li>
        ))}
      </ul>
    </section>
  )
}
