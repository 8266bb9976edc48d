import type { Store } from '../db/store.ts'
import type { Clock } from '../shared/clock.ts'
import { invalid } from '../shared/errors.ts'
import { authorize } from '../access/authorize.ts'
import type { Actor } from '../access/grants.ts'
import type { SpacesService } from '../spaces/spaces.service.ts'
import type { NodesService } from './nodes.service.ts'

export const MAX_DESCRIPTION_LENGTH = 1024

/** A free-text description per node. Changing it needs the same grant as renaming the node. */
export class NodeDescriptionsService {
  constructor(private readonly deps: { store: Store; clock: Clock; spaces: SpacesService; nodes: NodesService }) {}

  /** Descriptions of the given nodes of a space (nodes without one are absent from the map). */
  async get(actor: Actor, spaceId: string, nodeIds: number[]): Promise<Map<number, string>> {
    const space = await this.deps.spaces.load(actor, spaceId)
    return this.deps.store.repos.nodeDescriptions.get(Number(space.id), [...new Set(nodeIds)])
  }

  async set(actor: Actor, spaceId: string, nodeId: string, description: string): Promise<void> {
    const space = await this.deps.spaces.load(actor, spaceId)
    if (typeof description !== 'string' || description.length > MAX_DESCRIPTION_LENGTH) throw invalid(`A description is a string of at most ${MAX_DESCRIPTION_LENGTH} characters`)
    const node = await this.deps.nodes.visibleNode(space, nodeId)
    authorize(actor, space, node.kind === 'file' ? 'upload_file' : 'create_directory')
    await this.deps.store.repos.nodeDescriptions.set(node.id, description, this.deps.clock.now())
  }
}
