/**
 * The container's termination message (Kubernetes reads /dev/termination-log when the pod
 * ends): the render's outcome as JSON, so the operator can give a failed render its stable
 * error code. Kept under the kubelet's 4 KiB limit; writing it never fails the render.
 */
import { writeFile } from 'node:fs/promises';

const LIMIT = 4000;

export async function writeTerminationLog(
  path: string | undefined,
  report: { code: string; message: string } | { ok: true },
): Promise<void> {
  if (!path) return;
  let text = JSON.stringify(report);
  if (text.length > LIMIT && 'message' in report)
    text = JSON.stringify({ ...report, message: report.message.slice(0, LIMIT - 200) });
  try {
    await writeFile(path, text, 'utf8');
  } catch {
    // Not in a container, or no termination log mounted: the exit code still tells.
  }
}
