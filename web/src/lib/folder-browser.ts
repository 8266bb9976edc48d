import { useEffect, useState } from 'preact/hooks'
import { errorMessage } from '../api/http.ts'
import { listChildren } from '../api/nodes.ts'
import type { DriveNode } from '../api/types.ts'

export interface TrailStep {
  id: string
  name: string
}

/**
 * Browsing a space's folders inside a dialog (Move's folder picker, an album's "add from files"): the trail from the
 * top, the children of the current folder that `keep` accepts, by name, 200 at a time with a "more" cursor.
 */
export function useFolderBrowser(spaceId: string, keep: (node: DriveNode) => boolean) {
  const [trail, setTrail] = useState<TrailStep[]>([{ id: 'root', name: 'My files' }])
  const [items, setItems] = useState<DriveNode[]>([])
  const [cursor, setCursor] = useState<string | null>(null)
  const [error, setError] = useState<string | null>(null)
  const here = trail[trail.length - 1]

  const load = async (more: boolean) => {
    try {
      const page = await listChildren(spaceId, here.id, { sort: 'name', limit: 200, cursor: more ? cursor : null })
      const kept = page.items.filter(keep)
      setItems((prev) => (more ? [...prev, ...kept] : kept))
      setCursor(page.nextCursor)
      setError(null)
    } catch (e) {
      setError(errorMessage(e))
    }
  }
  useEffect(() => {
    void load(false)
  }, [here.id])

  return {
    trail,
    here,
    items,
    hasMore: cursor !== null,
    loadMore: () => load(true),
    enter: (folder: DriveNode) => setTrail([...trail, { id: folder.id, name: folder.name }]),
    backTo: (index: number) => setTrail(trail.slice(0, index + 1)),
    error,
    setError,
  }
}
