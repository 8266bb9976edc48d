import type { ToastInput } from '../lib/app-context.ts'

export interface Toast extends ToastInput {
  id: number
}

/** Short notices at the bottom of the screen, each with an optional action (Undo) and a close button. */
export function Toasts(props: { toasts: Toast[]; dismiss: (id: number) => void }) {
  return (
    <div class="toasts" role="status" aria-live="polite">
      {props.toasts.map((t) => (
        <div key={t.id} class={t.tone === 'error' ? 'toast error' : 'toast'} role={t.tone === 'error' ? 'alert' : undefined}>
          <span>{t.message}</span>
          {t.action && (
            <button
              type="button"
              class="link"
              onClick={async () => {
                props.dismiss(t.id)
                await t.action!.run()
              }}
            >
              {t.action.label}
            </button>
          )}
          <button type="button" class="icon" aria-label="Dismiss" onClick={() => props.dismiss(t.id)}>
            ×
          </button>
        </div>
      ))}
    </div>
  )
}
