/**
 * Drag-and-drop (or click/keyboard) upload straight to object storage, with a real progress
 * bar, then what the server found when it probed the file.
 */
import CloudUploadIcon from '@mui/icons-material/CloudUpload';
import { Alert, Box, Button, LinearProgress, Typography } from '@mui/material';
import { useId, useRef, useState } from 'react';
import { errorMessage } from '../api/http';
import { DropZone } from './DropZone';
import { uploadFile, type AssetView, type UploadProgress } from '../api/upload';
import { formatBytes, formatSeconds } from '../lib/format';

const ACCEPT = { video: 'video/*', logo: 'image/png,image/jpeg,image/webp', music: 'audio/*' } as const;

export function FileDrop({
  kind,
  label,
  maxBytes,
  onUploaded,
  asset,
}: {
  kind: 'video' | 'logo' | 'music';
  label: string;
  maxBytes?: number;
  onUploaded: (asset: AssetView | null) => void;
  asset: AssetView | null;
}) {
  const input = useRef<HTMLInputElement>(null);
  const [progress, setProgress] = useState<UploadProgress | null>(null);
  const [error, setError] = useState<string | null>(null);
  const statusId = useId();

  const start = async (file: File | undefined) => {
    if (!file) return;
    setError(null);
    if (maxBytes && file.size > maxBytes) {
      setError(`${file.name} is ${formatBytes(file.size)}; your plan takes files up to ${formatBytes(maxBytes)}.`);
      return;
    }
    onUploaded(null);
    try {
      const uploaded = await uploadFile(file, kind, setProgress);
      if (uploaded.status !== 'ready')
        setError(`The file was not accepted (${uploaded.rejectionCode ?? uploaded.status}).`);
      else onUploaded(uploaded);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setProgress(null);
      if (input.current) input.current.value = '';
    }
  };
  const percent = progress ? Math.floor((progress.sentBytes / Math.max(1, progress.totalBytes)) * 100) : 0;

  return (
    <DropZone onFiles={(files) => void start(files[0])} describedBy={statusId}>
      <input
        ref={input}
        type="file"
        accept={ACCEPT[kind]}
        hidden
        onChange={(e) => void start(e.target.files?.[0])}
        aria-label={label}
        data-testid={`${kind}-file-input`}
      />
      <Button
        variant="outlined"
        startIcon={<CloudUploadIcon />}
        onClick={() => input.current?.click()}
        disabled={progress !== null}
      >
        {label}
      </Button>
      <Typography variant="body2" color="text.secondary" sx={{ mt: 1 }}>
        or drop a file here{maxBytes ? ` (up to ${formatBytes(maxBytes)})` : ''}
      </Typography>
      <Box id={statusId} aria-live="polite" sx={{ mt: 1 }}>
        {progress && (
          <>
            <LinearProgress variant="determinate" value={percent} aria-label={`Upload ${percent}%`} />
            <Typography variant="caption">
              {progress.phase === 'checking'
                ? 'Checking the file…'
                : `${percent}% · ${formatBytes(progress.sentBytes)} of ${formatBytes(progress.totalBytes)}${progress.resumed ? ' (resumed)' : ''}`}
            </Typography>
          </>
        )}
        {asset && !progress && (
          <Typography variant="body2" data-testid={`${kind}-uploaded`}>
            {asset.filename}: {formatBytes(asset.sizeBytes)}
            {asset.durationSeconds != null ? `, ${formatSeconds(asset.durationSeconds)}` : ''}
            {asset.width ? `, ${asset.width}×${asset.height}` : ''}
          </Typography>
        )}
        {error && (
          <Alert severity="error" role="alert">
            {error}
          </Alert>
        )}
      </Box>
    </DropZone>
  );
}
