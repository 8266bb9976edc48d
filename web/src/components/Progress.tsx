import { percent } from '../lib/format.ts'

/** A labelled progress bar with its percentage written out (not only drawn). */
export function Progress(props: { label: string; done: number; total: number; detail?: string }) {
  const pct = percent(props.done, props.total)
  return (
    <div class="progress">
      <div class="progress-label">
        <span>{props.label}</span>
        <span class="progress-pct" data-testid="progress-pct">
          {pct}%
        </span>
      </div>
      <progress max={100} value={pct} aria-label={props.label} />
      {props.detail && <div class="muted small">{props.detail}</div>}
    </div>
  )
}
