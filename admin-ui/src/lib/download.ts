/** Saves what an authenticated API path answers (a CSV export) as a file the browser downloads. */
import { api } from '../api/http';

export async function downloadFile(path: string, filename: string): Promise<void> {
  const { data } = await api<Blob>(path);
  const url = URL.createObjectURL(data);
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  // After the click has started the download.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
