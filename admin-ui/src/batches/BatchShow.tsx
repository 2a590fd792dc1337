/** A batch: every row's render (or image job) with live status, and one ZIP of the finished files. */
import DownloadIcon from '@mui/icons-material/Download';
import {
  Alert,
  Box,
  Button,
  Card,
  CardContent,
  LinearProgress,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  Typography,
} from '@mui/material';
import { useState } from 'react';
import { Title, useGetList } from 'react-admin';
import { Link as RouterLink, useParams } from 'react-router-dom';
import { api, errorMessage } from '../api/http';
import { RenderStatus } from '../components/RenderStatus';
import type { RenderRecord } from '../renders/RenderShow';

export function BatchShow() {
  const { id = '' } = useParams();
  const { data, total, error } = useGetList<RenderRecord>('renders', {
    filter: { batchId: id },
    pagination: { page: 1, perPage: 200 },
    sort: { field: 'queuedAt', order: 'ASC' },
  });
  const [zipError, setZipError] = useState<string | null>(null);
  const [zipping, setZipping] = useState(false);
  const done = (data ?? []).filter((r) => r.state === 'succeeded').length;
  const images = (data ?? []).some((r) => r.kind === 'image');
  const noun = images ? 'pictures' : 'videos';

  const downloadZip = async () => {
    setZipping(true);
    setZipError(null);
    try {
      const { data: blob } = await api<Blob>(`/v1/batches/${id}/zip`);
      const link = document.createElement('a');
      link.href = URL.createObjectURL(blob);
      link.download = `batch-${id.slice(0, 8)}.zip`;
      link.click();
      setTimeout(() => URL.revokeObjectURL(link.href), 60_000);
    } catch (err) {
      setZipError(errorMessage(err));
    } finally {
      setZipping(false);
    }
  };

  return (
    <Box sx={{ p: { xs: 1, sm: 2 } }}>
      <Title title="Batch" />
      <Typography variant="h5" component="h1" gutterBottom>
        Batch
      </Typography>
      {error && <Alert severity="error">{errorMessage(error)}</Alert>}
      <Card>
        <CardContent>
          <Typography role="status">
            {done} of {total ?? '…'} {noun} finished
          </Typography>
          <LinearProgress
            variant="determinate"
            value={total ? (done / total) * 100 : 0}
            sx={{ my: 1 }}
            aria-label="Batch progress"
          />
          <Button
            variant="contained"
            startIcon={<DownloadIcon />}
            disabled={done === 0 || zipping}
            onClick={() => void downloadZip()}
          >
            {zipping ? 'Preparing ZIP…' : `Download ${done} finished as ZIP`}
          </Button>
          {zipError && (
            <Alert severity="error" sx={{ mt: 1 }}>
              {zipError}
            </Alert>
          )}
          <Table size="small" sx={{ mt: 2 }} aria-label="Batch rows">
            <TableHead>
              <TableRow>
                <TableCell>Row</TableCell>
                <TableCell>{images ? 'Picture' : 'Title'}</TableCell>
                <TableCell>Status</TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {(data ?? []).map((r, i) => (
                <TableRow key={r.id} hover>
                  <TableCell>{i + 1}</TableCell>
                  <TableCell>
                    <RouterLink to={`/renders/${r.id}/show`}>{r.title ?? 'Untitled'}</RouterLink>
                  </TableCell>
                  <TableCell>
                    <RenderStatus render={r} />
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </CardContent>
      </Card>
    </Box>
  );
}
