/** Batches: one CSV, many renders, created together or not at all. */
import { randomUUID } from 'node:crypto';
import type { Tx } from './render-states-repository.js';

export async function insertBatch(
  tx: Tx,
  input: { organizationId: string; name: string; rowCount: number; projectId: string | null },
): Promise<{ id: string; createdAt: Date }> {
  return tx.batch.create({ data: { id: randomUUID(), ...input }, select: { id: true, createdAt: true } });
}
