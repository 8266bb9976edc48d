import type { Store } from '../db/store.ts'
import type { Clock } from '../shared/clock.ts'
import { newLibraryId, newSecret } from '../shared/ids.ts'
import { invalid } from '../shared/errors.ts'
import { hashSecret } from '../users/passwords.ts'
import type { SpacesService } from '../spaces/spaces.service.ts'

export interface CreatedLibrary {
  libraryId: string
  librarySecret: string
  /** The one space of a single-space library; null for multi-space libraries. */
  spaceId: string | null
}

/** Libraries (tenants). A single-space library gets its space at once. */
export class LibrariesService {
  constructor(private readonly deps: { store: Store; clock: Clock; spaces: SpacesService }) {}

  async create(opts: { name: string; multiSpace?: boolean }): Promise<CreatedLibrary> {
    const name = opts.name.trim()
    if (!name || name.length > 200) throw invalid('A library name is 1–200 characters')
    const libraryId = newLibraryId()
    const librarySecret = newSecret()
    await this.deps.store.repos.libraries.insert({ id: libraryId, name, multiSpace: !!opts.multiSpace, secretHash: hashSecret(librarySecret), createdAt: this.deps.clock.now() })
    const spaceId = opts.multiSpace ? null : (await this.deps.spaces.createInLibrary(libraryId)).id
    return { libraryId, librarySecret, spaceId }
  }

  async find(libraryId: string) {
    return this.deps.store.repos.libraries.find(libraryId)
  }

  async isEmptyInstallation(): Promise<boolean> {
    return (await this.deps.store.repos.libraries.count()) === 0
  }
}
