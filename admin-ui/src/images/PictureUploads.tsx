/**
 * Drag-and-drop of many pictures at once, each with its own progress bar and what the server
 * found (its size, or why it was refused); two go up at a time.
 */
import CloudUploadIcon from '@mui/icons-material/CloudUpload';
import { Alert, Button, LinearProgress, List, ListItem, ListItemText, Typography } from '@mui/material';
import { useId, useRef, useState } from 'react';
import { errorMessage } from '../api/http';
import { DropZone } from '../components/DropZone';
import { uploadFile, type AssetView } from '../api/upload';
import { formatBytes } from '../lib/format';

const ACCEPT = 'image/jpeg,image/png,image/webp,image/avif,image/heic,image/heif,image/gif,image/tiff';
const PARALLEL = 2;

interface Row {
  key: string;
  name: string;
  percent: number;
  state: 'waiting' | 'uploading' | 'checking' | 'ready' | 'failed';
  message?: string;
}

export function PictureUploads({
  maxBytes,
  onUploaded,
}: {
  maxBytes?: number;
  onUploaded: (asset: AssetView) => void;
}) {
  const input = useRef<HTMLInputElement>(null);
  const [rows, setRows] = useState<Row[]>([]);
  const statusId = useId();
  const update = (key: string, change: Partial<Row>) =>
    setRows((all) => all.map((r) => (r.key === key ? { ...r, ...change } : r)));

  const uploadOne = async (key: string, file: File) => {
    if (maxBytes && file.size > maxBytes) {
      update(key, {
        state: 'failed',
        message: `${formatBytes(file.size)}; your plan takes up to ${formatBytes(maxBytes)}`,
      });
      return;
    }
    try {
      const asset = await uploadFile(file, 'image', (p) =>
        update(key, {
          state: p.phase === 'checking' ? 'checking' : 'uploading',
          percent: Math.floor((p.sentBytes / Math.max(1, p.totalBytes)) * 100),
        }),
      );
      if (asset.status !== 'ready') {
        update(key, { state: 'failed', message: `not accepted (${asset.rejectionCode ?? asset.status})` });
        return;
      }
      update(key, {
        state: 'ready',
        percent: 100,
        message: `${asset.width}×${asset.height}, ${formatBytes(asset.sizeBytes)}`,
      });
      onUploaded(asset);
    } catch (err) {
      update(key, { state: 'failed', message: errorMessage(err) });
    }
  };

  const start = async (files: FileList | null | undefined) => {
    const chosen = [...(files ?? [])].map((file, i) => ({ key: `${Date.now()}-${i}-${file.name}`, file }));
    if (chosen.length === 0) return;
    setRows((all) => [
      ...all,
      ...chosen.map(({ key, file }) => ({ key, name: file.name, percent: 0, state: 'waiting' as const })),
    ]);
    const queue = [...chosen];
    const worker = async () => {
      for (let next = queue.shift(); next; next = queue.shift()) await uploadOne(next.key, next.file);
    };
    await Promise.all(Array.from({ length: PARALLEL }, worker));
    if (input.current) input.current.value = '';
  };

  return (
    <DropZone onFiles={(files) => void start(files)} describedBy={statusId}>
      <input
        ref={input}
        type="file"
        accept={ACCEPT}
        multiple
        hidden
        onChange={(e) => void start(e.target.files)}
        aria-label="Upload pictures"
        data-testid="image-file-input"
      />
      <Button variant="outlined" startIcon={<CloudUploadIcon />} onClick={() => input.current?.click()}>
        Upload pictures
      </Button>
      <Typography variant="body2" color="text.secondary" sx={{ mt: 1 }}>
        or drop JPEG, PNG, WebP, AVIF, GIF or TIFF files here{maxBytes ? ` (up to ${formatBytes(maxBytes)} each)` : ''}
      </Typography>
      <List id={statusId} aria-live="polite" dense>
        {rows.map((r) => (
          <ListItem key={r.key} data-testid="image-upload-row">
            <ListItemText
              primary={r.name}
              secondary={
                r.state === 'failed'
                  ? undefined
                  : r.state === 'ready'
                    ? r.message
                    : r.state === 'checking'
                      ? 'Checking…'
                      : `${r.percent}%`
              }
            />
            {(r.state === 'uploading' || r.state === 'waiting' || r.state === 'checking') && (
              <LinearProgress
                variant="determinate"
                value={r.percent}
                sx={{ width: 120 }}
                aria-label={`${r.name}: ${r.percent}%`}
              />
            )}
            {r.state === 'failed' && (
              <Alert severity="error" role="alert" sx={{ py: 0 }}>
                {r.message}
              </Alert>
            )}
          </ListItem>
        ))}
      </List>
    </DropZone>
  );
}
