/**
 * The dashboard's history: videos and rendered minutes by month, who made them, the time and
 * money they saved (its assumptions editable), and CSV exports of usage and activity.
 */
import DownloadIcon from '@mui/icons-material/Download';
import {
  Alert,
  Box,
  Button,
  Card,
  CardContent,
  Grid,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  TextField,
  Typography,
} from '@mui/material';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useNotify } from 'react-admin';
import { api, errorMessage } from '../api/http';
import { LineChart } from '../components/LineChart';
import { downloadFile } from '../lib/download';
import { formatBytes, formatMinutes } from '../lib/format';

interface History {
  months: Array<{ month: string; renders: number; failed: number; renderedSeconds: number; outputBytes: number }>;
  members: Array<{ userId: string | null; name: string; renders: number; renderedSeconds: number }>;
  savings: {
    minutesPerVideo: number;
    hourlyRate: number;
    currency: string;
    videos: number;
    hoursSaved: number;
    moneySaved: number;
  };
}

export function UsageHistory() {
  const notify = useNotify();
  const [minutes, setMinutes] = useState<number | null>(null);
  const [rate, setRate] = useState<number | null>(null);
  const query = new URLSearchParams({ months: '12' });
  if (minutes !== null) query.set('minutesPerVideo', String(minutes));
  if (rate !== null) query.set('hourlyRate', String(rate));
  const history = useQuery({
    queryKey: ['usage-history', minutes, rate],
    queryFn: async () => (await api<History>(`/v1/usage/history?${query.toString()}`)).data,
    placeholderData: (previous) => previous,
  });
  const save = (path: string, name: string) =>
    void downloadFile(path, name).catch((err: unknown) => notify(errorMessage(err), { type: 'error' }));
  if (history.error) return <Alert severity="error">{errorMessage(history.error)}</Alert>;
  const h = history.data;
  if (!h) return null;
  const money = new Intl.NumberFormat(undefined, { style: 'currency', currency: h.savings.currency }).format(
    h.savings.moneySaved,
  );
  return (
    <Grid container spacing={2} sx={{ mt: 0 }}>
      <Grid size={{ xs: 12, md: 8 }}>
        <Card sx={{ height: '100%' }}>
          <CardContent>
            <LineChart
              title="Videos by month"
              labels={h.months.map((m) => m.month)}
              series={[
                { name: 'Videos', color: '#1a56a8', values: h.months.map((m) => m.renders) },
                { name: 'Failed', color: '#a04500', values: h.months.map((m) => m.failed) },
              ]}
            />
            <LineChart
              title="Rendered minutes by month"
              unit=" min"
              labels={h.months.map((m) => m.month)}
              series={[
                {
                  name: 'Minutes',
                  color: '#1b5e20',
                  values: h.months.map((m) => Math.round(m.renderedSeconds / 6) / 10),
                },
              ]}
            />
            <Typography variant="body2" color="text.secondary">
              Stored this month: {formatBytes(h.months.at(-1)?.outputBytes ?? 0)} of videos.
            </Typography>
            <Box sx={{ display: 'flex', gap: 1, mt: 1, flexWrap: 'wrap' }}>
              <Button startIcon={<DownloadIcon />} onClick={() => save('/v1/usage/history.csv?months=12', 'usage.csv')}>
                Export usage (CSV)
              </Button>
              <Button
                startIcon={<DownloadIcon />}
                onClick={() => save('/v1/activity/export.csv?days=90', 'activity.csv')}
              >
                Export activity (CSV)
              </Button>
            </Box>
          </CardContent>
        </Card>
      </Grid>
      <Grid size={{ xs: 12, md: 4 }}>
        <Card sx={{ mb: 2 }}>
          <CardContent>
            <Typography variant="overline" component="h3">
              Time and money saved (12 months)
            </Typography>
            <Typography variant="h5" component="p" data-testid="savings">
              {h.savings.hoursSaved} h · {money}
            </Typography>
            <Typography variant="body2" color="text.secondary" sx={{ mb: 1 }}>
              {h.savings.videos} videos, each counted as manual editing of:
            </Typography>
            <Box sx={{ display: 'flex', gap: 1 }}>
              <TextField
                size="small"
                type="number"
                label="Minutes a video"
                value={minutes ?? h.savings.minutesPerVideo}
                onChange={(e) => setMinutes(Math.max(0, Number(e.target.value)))}
                inputProps={{ min: 0 }}
              />
              <TextField
                size="small"
                type="number"
                label={`Rate (${h.savings.currency}/h)`}
                value={rate ?? h.savings.hourlyRate}
                onChange={(e) => setRate(Math.max(0, Number(e.target.value)))}
                inputProps={{ min: 0 }}
              />
            </Box>
          </CardContent>
        </Card>
        <Card>
          <CardContent>
            <Typography variant="overline" component="h3">
              By member (12 months)
            </Typography>
            <Table size="small" aria-label="Videos by member">
              <TableHead>
                <TableRow>
                  <TableCell>Member</TableCell>
                  <TableCell align="right">Videos</TableCell>
                  <TableCell align="right">Rendered</TableCell>
                </TableRow>
              </TableHead>
              <TableBody>
                {h.members.map((m) => (
                  <TableRow key={m.userId ?? 'api'}>
                    <TableCell>{m.name}</TableCell>
                    <TableCell align="right">{m.renders}</TableCell>
                    <TableCell align="right">{formatMinutes(m.renderedSeconds)}</TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          </CardContent>
        </Card>
      </Grid>
    </Grid>
  );
}
