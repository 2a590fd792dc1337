/** An image job's files beside the picture they came from: before and after, each downloadable. */
import DownloadIcon from '@mui/icons-material/Download';
import { Box, Button, Card, CardContent, Typography } from '@mui/material';
import { useAssetLink } from '../api/queries';
import { formatBytes } from '../lib/format';

export interface ImageOutput {
  kind: string;
  name: string;
  bytes: number;
  width: number | null;
  height: number | null;
  url: string;
  previewUrl: string;
}

export function ImageResults({ assetId, outputs }: { assetId: string; outputs: ImageOutput[] }) {
  const before = useAssetLink(assetId);
  const images = outputs.filter((o) => o.kind === 'image');
  return (
    <Box sx={{ display: 'grid', gap: 2, gridTemplateColumns: 'repeat(auto-fill, minmax(240px, 1fr))' }}>
      <Card variant="outlined">
        <CardContent>
          <Typography variant="subtitle2" component="h3">
            Before
          </Typography>
          {before.data && (
            <Box
              component="img"
              src={before.data.url}
              alt="The picture as uploaded"
              sx={{ width: '100%', maxHeight: 240, objectFit: 'contain' }}
            />
          )}
        </CardContent>
      </Card>
      {images.map((o) => (
        <Card key={o.name} variant="outlined">
          <CardContent>
            <Typography variant="subtitle2" component="h3">
              After: {o.name}
            </Typography>
            <Box
              component="img"
              src={o.previewUrl}
              alt={`${o.name}, ${o.width}×${o.height}`}
              sx={{ width: '100%', maxHeight: 240, objectFit: 'contain', bgcolor: 'grey.100' }}
            />
            <Typography variant="caption" display="block">
              {o.width}×{o.height} · {formatBytes(o.bytes)}
            </Typography>
            <Button size="small" startIcon={<DownloadIcon />} href={o.url} download={o.name}>
              Download
            </Button>
          </CardContent>
        </Card>
      ))}
    </Box>
  );
}
