/** An API or validation error, announced to screen readers as it appears. */
export function ErrorText(props: { error: string | null | undefined }) {
  if (!props.error) return null
  return (
    <p class="error" role="alert">
      {props.error}
    </p>
  )
}
