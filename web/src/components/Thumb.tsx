import { useState } from 'preact/hooks'
import { thumbnailUrl } from '../api/nodes.ts'
import { Icon } from './Icon.tsx'

/** A server-made thumbnail (sharp, cached); a plain tile when there is none or it cannot be made. */
export function Thumb(props: { spaceId: string; nodeId: string | null; alt: string }) {
  const [failed, setFailed] = useState(false)
  if (!props.nodeId || failed)
    return (
      <div class="thumb placeholder" role="img" aria-label={props.alt}>
        <Icon name="image" size={40} />
      </div>
    )
  return <img class="thumb" src={thumbnailUrl(props.spaceId, props.nodeId)} alt={props.alt} loading="lazy" width={256} height={256} onError={() => setFailed(true)} />
}
