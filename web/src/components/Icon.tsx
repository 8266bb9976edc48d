/** Small inline icons (no emoji: not every system has a font for them). Decorative: hidden from screen readers. */
const PATHS = {
  folder: 'M2 5.5A1.5 1.5 0 0 1 3.5 4h4l1.6 2H16.5A1.5 1.5 0 0 1 18 7.5v7A1.5 1.5 0 0 1 16.5 16h-13A1.5 1.5 0 0 1 2 14.5z',
  file: 'M5 2.5h6.5L15 6v11.5H5zM11.5 2.5V6H15',
  image: 'M3 4h14v12H3zM3 13l4-4 3 3 2-2 5 5M12.5 7.5a1 1 0 1 0 0 .01',
} as const

export function Icon(props: { name: keyof typeof PATHS; size?: number }) {
  const filled = props.name === 'folder'
  return (
    <svg class={`icon icon-${props.name}`} width={props.size ?? 18} height={props.size ?? 18} viewBox="0 0 20 20" aria-hidden="true" focusable="false">
      <path d={PATHS[props.name]} fill={filled ? 'currentColor' : 'none'} stroke="currentColor" stroke-width={filled ? 0 : 1.4} stroke-linejoin="round" />
    </svg>
  )
}
