import { Type, type Static } from 'typebox'
import type { DriveNode } from '../nodes/node.ts'
import type { TrashListItem, RestoreOutcome } from '../trash/trash.service.ts'
import type { Task } from '../tasks/task.ts'
import type { Space } from '../spaces/spaces.repository.ts'
import type { AuditEvent } from '../audit/audit.repository.ts'
import { usageOf } from '../spaces/spaces.service.ts'

/** Wire shapes of the native API: camelCase, ids as strings, instants as ISO-8601 UTC. */
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString())
const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()])

export const NodeSchema = Type.Object(
  {
    id: Type.String(),
    spaceId: Type.String(),
    parentId: Type.Union([Type.String(), Type.Null()]),
    name: Type.String(),
    kind: Type.Union([Type.Literal('folder'), Type.Literal('file')]),
    sizeBytes: Type.Number(),
    itemCount: Type.Number({ description: 'Folders: live items below. Files: 0.' }),
    contentType: Nullable(Type.String()),
    sha256: Nullable(Type.String()),
    createdBy: Nullable(Type.String()),
    createdAt: Type.String(),
    modifiedAt: Type.String(),
    path: Type.Optional(Type.String()),
  },
  {},
)

export function presentNode(n: DriveNode & { path?: string }): Static<typeof NodeSchema> {
  return {
    id: String(n.id),
    spaceId: String(n.spaceId),
    parentId: n.parentId === null ? null : String(n.parentId),
    name: n.name,
    kind: n.kind,
    sizeBytes: n.sizeBytes,
    itemCount: n.itemCount,
    contentType: n.contentType,
    sha256: n.blobSha256,
    createdBy: n.createdBy,
    createdAt: iso(n.createdAt)!,
    modifiedAt: iso(n.modifiedAt)!,
    ...(n.path !== undefined ? { path: n.path } : {}),
  }
}

export const EntrySchema = Type.Object(
  {
    id: Type.String(),
    spaceId: Type.String(),
    nodeId: Type.String(),
    name: Type.String(),
    kind: Type.Union([Type.Literal('folder'), Type.Literal('file')]),
    sizeBytes: Type.Number(),
    itemCount: Type.Number(),
    originalParentId: Type.String(),
    originalPath: Type.String(),
    modifiedAt: Type.String(),
    removedAt: Type.String(),
    removedBy: Type.String(),
    expiresAt: Type.String(),
    remainingDays: Type.Number(),
    held: Type.Boolean(),
  },
  {},
)

export function presentEntry(e: TrashListItem): Static<typeof EntrySchema> {
  return {
    id: String(e.id),
    spaceId: String(e.spaceId),
    nodeId: String(e.rootNodeId),
    name: e.name,
    kind: e.kind,
    sizeBytes: e.sizeBytes,
    itemCount: e.itemCount,
    originalParentId: String(e.originalParentId),
    originalPath: e.originalPath,
    modifiedAt: iso(e.modifiedAt)!,
    removedAt: iso(e.removedAt)!,
    removedBy: e.removedBy,
    expiresAt: iso(e.expiresAt)!,
    remainingDays: e.remainingDays,
    held: e.held,
  }
}

export const TaskSchema = Type.Object(
  {
    id: Type.String(),
    kind: Type.String(),
    spaceId: Nullable(Type.String()),
    state: Type.Union([Type.Literal('Running'), Type.Literal('Succeed'), Type.Literal('PartialSucceed'), Type.Literal('Failed'), Type.Literal('Cancelled')]),
    total: Type.Number(),
    done: Type.Number(),
    failed: Type.Number(),
    failures: Type.Array(Type.Object({ item: Type.String(), code: Type.String(), message: Type.String() })),
    cancelRequested: Type.Boolean(),
    createdBy: Type.String(),
    createdAt: Type.String(),
    startedAt: Nullable(Type.String()),
    finishedAt: Nullable(Type.String()),
  },
  {},
)

export function presentTask(t: Task): Static<typeof TaskSchema> {
  return {
    id: String(t.id),
    kind: t.kind,
    spaceId: t.spaceId === null ? null : String(t.spaceId),
    state: t.state,
    total: t.total,
    done: t.done,
    failed: t.failed,
    failures: t.failures,
    cancelRequested: t.cancelRequested,
    createdBy: t.createdBy,
    createdAt: iso(t.createdAt)!,
    startedAt: iso(t.startedAt),
    finishedAt: iso(t.finishedAt),
  }
}

export const UsageSchema = Type.Object({
  quotaBytes: Type.Union([Type.Number(), Type.Null()]),
  usedBytes: Type.Number(),
  liveBytes: Type.Number(),
  trashBytes: Type.Number(),
  trashEntries: Type.Number(),
  availableBytes: Type.Union([Type.Number(), Type.Null()]),
})

export const SpaceSchema = Type.Object(
  {
    id: Type.String(),
    libraryId: Type.String(),
    name: Type.String(),
    rootFolderId: Type.String(),
    quotaBytes: Type.Union([Type.Number(), Type.Null()]),
    retentionDays: Type.Number(),
    recycleBinEnabled: Type.Boolean(),
    hold: Type.Boolean(),
    usage: UsageSchema,
    createdAt: Type.String(),
  },
  {},
)

export function presentSpace(s: Space): Static<typeof SpaceSchema> {
  return {
    id: s.id,
    libraryId: s.libraryId,
    name: s.name,
    rootFolderId: String(s.rootNodeId),
    quotaBytes: s.quotaBytes,
    retentionDays: s.retentionDays,
    recycleBinEnabled: s.recycleBinEnabled,
    hold: s.hold,
    usage: usageOf(s),
    createdAt: iso(s.createdAt)!,
  }
}

export const RestoreOutcomeSchema = Type.Object({
  entryId: Type.String(),
  status: Type.Union([Type.Literal('restored'), Type.Literal('failed')]),
  nodeId: Type.Optional(Type.String()),
  parentId: Type.Optional(Type.String()),
  name: Type.Optional(Type.String()),
  path: Type.Optional(Type.String()),
  renamed: Type.Optional(Type.Boolean()),
  parentRecreated: Type.Optional(Type.Boolean()),
  restoredToRoot: Type.Optional(Type.Boolean()),
  overwrittenNodeId: Type.Optional(Type.String()),
  error: Type.Optional(Type.Object({ code: Type.String(), message: Type.String() })),
})

export function presentOutcome(o: RestoreOutcome): Static<typeof RestoreOutcomeSchema> {
  return o
}

export const AuditEventSchema = Type.Object({
  id: Type.String(),
  spaceId: Nullable(Type.String()),
  actor: Type.String(),
  action: Type.String(),
  entryId: Nullable(Type.String()),
  nodeId: Nullable(Type.String()),
  name: Nullable(Type.String()),
  details: Type.Record(Type.String(), Type.Unknown()),
  at: Type.String(),
})

export function presentAudit(e: AuditEvent): Static<typeof AuditEventSchema> {
  return {
    id: String(e.id),
    spaceId: e.spaceId === null ? null : String(e.spaceId),
    actor: e.actor,
    action: e.action,
    entryId: e.entryId === null ? null : String(e.entryId),
    nodeId: e.nodeId === null ? null : String(e.nodeId),
    name: e.name,
    details: e.details,
    at: iso(e.at)!,
  }
}

export const ErrorSchema = Type.Object({
  error: Type.Object({ code: Type.String(), message: Type.String(), details: Type.Optional(Type.Record(Type.String(), Type.Unknown())) }),
})
