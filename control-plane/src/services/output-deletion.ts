/**
 * Deleting a render's files before their retention ends: all at once ("delete now"), or each
 * video after its first complete download when the render asked for that — the captions,
 * thumbnail and word timings go with the last video.
 */
import type { OutputsRepository, RenderOutputRecord } from '../repositories/outputs-repository.js';
import type { ObjectStore } from '../storage/object-store.js';

export class OutputDeletion {
  constructor(
    private readonly outputs: OutputsRepository,
    private readonly store: ObjectStore,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Objects first, then the records: a record never points at nothing while it looks live. */
  async deleteFiles(files: Array<Pick<RenderOutputRecord, 'id' | 'objectKey'>>): Promise<void> {
    for (const file of files) await this.store.delete(file.objectKey);
    await this.outputs.markDeleted(
      files.map((f) => f.id),
      this.now(),
    );
  }

  /** After a complete download: records it and, for delete-after-download renders, deletes what is done with. */
  async downloaded(output: {
    id: string;
    kind: string;
    renderId: string;
    organizationId: string;
    deleteAfterDownload: boolean;
  }): Promise<number> {
    await this.outputs.markDownloaded(output.id, this.now());
    if (!output.deleteAfterDownload || output.kind !== 'video') return 0;
    const live = await this.outputs.forRender(output.organizationId, output.renderId);
    const videosLeft = live.filter((f) => f.kind === 'video' && f.id !== output.id);
    const gone = videosLeft.length === 0 ? live : live.filter((f) => f.id === output.id);
    await this.deleteFiles(gone);
    return gone.length;
  }
}
