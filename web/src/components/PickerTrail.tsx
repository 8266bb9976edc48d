import type { TrailStep } from '../lib/folder-browser.ts'

/** The path browsed so far in a picker dialog; each earlier folder is a button back to it. */
export function PickerTrail(props: { trail: TrailStep[]; onBack: (index: number) => void }) {
  return (
    <nav aria-label="Folder path" class="crumbs">
      <ol>
        {props.trail.map((t, i) => (
          <li key={t.id}>
            {i === props.trail.length - 1 ? (
              <span aria-current="location">{t.name}</span>
            ) : (
              <button type="button" class="link" onClick={() => props.onBack(i)}>
                {t.name}
              </button>
            )}
          </li>
        ))}
      </ol>
    </nav>
  )
}
