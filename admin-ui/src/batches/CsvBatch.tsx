/**
 * A batch from a CSV: a preview table that marks every row the API would refuse before
 * anything is sent, and the API's own verdict per row if it still refuses.
 */
import UploadFileIcon from '@mui/icons-material/UploadFile';
import {
  Alert,
  Box,
  Button,
  Checkbox,
  Chip,
  FormControl,
  FormControlLabel,
  InputLabel,
  MenuItem,
  Select,
  Table,
  TableBody,
  TableCell,
  TableContainer,
  TableHead,
  TableRow,
  TextField,
  Typography,
} from '@mui/material';
import { useMemo, useState } from 'react';
import { useGetList } from 'react-admin';
import { useNavigate } from 'react-router-dom';
import { api, ApiError, errorMessage } from '../api/http';
import { useCaptionStyles, useOpenProjects, useVoices } from '../api/queries';
import type { AssetView } from '../api/upload';
import { CSV_COLUMNS, previewCsv, problemsByRow, type CsvPreview } from '../lib/csv';
import { formatSeconds } from '../lib/format';
import { estimateNarrationSeconds } from '@cutline/contract';

function readText(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result));
    reader.onerror = () => reject(new Error(`Could not read ${file.name}.`));
    reader.readAsText(file);
  });
}

export function CsvBatch({ maxNarrationSeconds }: { maxNarrationSeconds: number | null }) {
  const navigate = useNavigate();
  const styles = useCaptionStyles();
  const voices = useVoices();
  const videos = useGetList<AssetView>('assets', { pagination: { page: 1, perPage: 200 } });
  const [file, setFile] = useState<{ name: string; text: string } | null>(null);
  const [serverProblems, setServerProblems] = useState<Map<number, string[]>>(new Map());
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [name, setName] = useState('');

  const readyVideos = useMemo(
    () => (videos.data ?? []).filter((a) => a.kind === 'video' && a.status === 'ready'),
    [videos.data],
  );
  const preview: CsvPreview | null = useMemo(() => {
    if (!file) return null;
    return previewCsv(file.text, {
      styles: (styles.data ?? []).map((s) => s.id),
      voices: (voices.data ?? []).map((v) => v.id),
      readyVideos: new Set(readyVideos.map((v) => v.id)),
      maxNarrationSeconds,
      estimate: estimateNarrationSeconds,
    });
  }, [file, styles.data, voices.data, readyVideos, maxNarrationSeconds]);
  const badRows = preview
    ? preview.rows.filter((r) => r.problems.length > 0 || serverProblems.has(r.number)).length
    : 0;
  const blocked = !preview || preview.fileProblems.length > 0 || badRows > 0;

  const choose = async (chosen: File | undefined) => {
    if (!chosen) return;
    setServerProblems(new Map());
    setError(null);
    if (chosen.size > 2 * 1024 * 1024) {
      setError('A batch CSV can be at most 2 MB.');
      return;
    }
    setFile({ name: chosen.name, text: await readText(chosen) });
    if (!name) setName(chosen.name.replace(/\.csv$/i, ''));
  };

  const projects = useOpenProjects();
  const [projectId, setProjectId] = useState('');
  const [deleteAfterDownload, setDeleteAfterDownload] = useState(false);

  const submit = async () => {
    if (!file) return;
    setBusy(true);
    setError(null);
    try {
      const query = new URLSearchParams({ name: name || file.name });
      if (projectId) query.set('projectId', projectId);
      if (deleteAfterDownload) query.set('deleteAfterDownload', 'true');
      const { data } = await api<{ batchId: string }>(`/v1/batches?${query.toString()}`, {
        method: 'POST',
        body: file.text,
        headers: { 'content-type': 'text/csv' },
      });
      navigate(`/batches/${data.batchId}`);
    } catch (err) {
      if (err instanceof ApiError) setServerProblems(problemsByRow(err.details));
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Box>
      <Typography variant="body2" sx={{ mb: 1 }}>
        One row per video. Columns: <code>{CSV_COLUMNS.join(', ')}</code> (script and video are required; video is the
        id of an uploaded video, formats like <code>9:16;16:9</code>).
      </Typography>
      {readyVideos.length > 0 && (
        <Box sx={{ mb: 1 }}>
          <Typography variant="subtitle2" component="h3">
            Your videos
          </Typography>
          {readyVideos.slice(0, 10).map((v) => (
            <Typography key={v.id} variant="body2" sx={{ fontFamily: 'monospace', wordBreak: 'break-all' }}>
              {v.id} · {v.filename} · {formatSeconds(v.durationSeconds)}
            </Typography>
          ))}
        </Box>
      )}
      <Box sx={{ display: 'flex', gap: 1, alignItems: 'center', flexWrap: 'wrap' }}>
        <Button component="label" variant="outlined" startIcon={<UploadFileIcon />}>
          Choose CSV
          <input
            type="file"
            accept=".csv,text/csv"
            hidden
            // Cleared after reading, so choosing the same (fixed) file again reads it again.
            onChange={(e) => void choose(e.target.files?.[0]).finally(() => (e.target.value = ''))}
            data-testid="csv-file-input"
          />
        </Button>
        {file && <Typography>{file.name}</Typography>}
        <TextField
          size="small"
          label="Batch name"
          value={name}
          onChange={(e) => setName(e.target.value)}
          inputProps={{ maxLength: 200 }}
        />
        <FormControl size="small" sx={{ minWidth: 200 }}>
          <InputLabel id="batch-project">Project</InputLabel>
          <Select
            labelId="batch-project"
            label="Project"
            value={projectId}
            onChange={(e) => setProjectId(e.target.value)}
          >
            <MenuItem value="">No project</MenuItem>
            {(projects.data ?? []).map((p) => (
              <MenuItem key={p.id} value={p.id}>
                {p.name}
              </MenuItem>
            ))}
          </Select>
        </FormControl>
        <FormControlLabel
          control={
            <Checkbox checked={deleteAfterDownload} onChange={(e) => setDeleteAfterDownload(e.target.checked)} />
          }
          label="Delete the files once downloaded"
        />
      </Box>
      {preview && (
        <Box sx={{ mt: 2 }}>
          {preview.fileProblems.map((p) => (
            <Alert key={p} severity="error" sx={{ mb: 1 }}>
              {p}
            </Alert>
          ))}
          <Typography role="status" sx={{ mb: 1 }}>
            {preview.rows.length} row{preview.rows.length === 1 ? '' : 's'}
            {badRows > 0
              ? `, ${badRows} marked: fix ${badRows === 1 ? 'it' : 'them'} in your file and choose it again`
              : ', all valid'}
          </Typography>
          <TableContainer sx={{ maxHeight: 420 }}>
            <Table size="small" stickyHeader aria-label="CSV preview">
              <TableHead>
                <TableRow>
                  <TableCell>Row</TableCell>
                  {preview.columns.map((c) => (
                    <TableCell key={c}>{c}</TableCell>
                  ))}
                  <TableCell>Problems</TableCell>
                </TableRow>
              </TableHead>
              <TableBody>
                {preview.rows.map((row) => {
                  const problems = [...row.problems, ...(serverProblems.get(row.number) ?? [])];
                  return (
                    <TableRow
                      key={row.number}
                      data-testid={`csv-row-${row.number}`}
                      data-invalid={problems.length > 0}
                      sx={problems.length ? { bgcolor: '#fdecea' } : undefined}
                    >
                      <TableCell>{row.number}</TableCell>
                      {preview.columns.map((c) => (
                        <TableCell
                          key={c}
                          sx={{ maxWidth: 260, overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' }}
                        >
                          {row.cells[c]}
                        </TableCell>
                      ))}
                      <TableCell>
                        {problems.length === 0 ? (
                          <Chip size="small" color="success" label="OK" />
                        ) : (
                          <Box component="ul" sx={{ m: 0, pl: 2, color: 'error.dark' }}>
                            {problems.map((p) => (
                              <li key={p}>{p}</li>
                            ))}
                          </Box>
                        )}
                      </TableCell>
                    </TableRow>
                  );
                })}
              </TableBody>
            </Table>
          </TableContainer>
        </Box>
      )}
      {error && (
        <Alert severity="error" role="alert" sx={{ mt: 1 }}>
          {error}
        </Alert>
      )}
      <Button variant="contained" sx={{ mt: 2 }} disabled={blocked || busy} onClick={() => void submit()}>
        {preview ? `Generate ${preview.rows.length} video${preview.rows.length === 1 ? '' : 's'}` : 'Generate'}
      </Button>
    </Box>
  );
}
