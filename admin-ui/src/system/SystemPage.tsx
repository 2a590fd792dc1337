/** Operators: queue depth and running renders by tier, recent failures, throughput and realtime factor, health. */
import {
  Alert,
  Box,
  Card,
  CardContent,
  Chip,
  Grid,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  Typography,
} from '@mui/material';
import { useQuery } from '@tanstack/react-query';
import { Title } from 'react-admin';
import { api, errorMessage } from '../api/http';
import { LineChart } from '../components/LineChart';
import { formatDate } from '../lib/format';

interface SystemView {
  launcher: string;
  dependencies: Record<string, string>;
  byTier: Array<{ tier: string; queued: number; running: number }>;
  failedLastHour: number;
  succeededLastHour: number;
  oldestQueuedAt: string | null;
  organizationsDeleted30d: number;
  throughput: Array<{ hour: string; succeeded: number; failed: number; realtimeFactor: number | null }>;
}

export function SystemPage() {
  const system = useQuery({
    queryKey: ['system'],
    queryFn: async () => (await api<SystemView>('/v1/admin/system')).data,
    refetchInterval: 10_000,
  });
  const s = system.data;
  const hours = (s?.throughput ?? []).map((p) =>
    new Date(p.hour).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' }),
  );
  return (
    <Box sx={{ p: { xs: 1, sm: 2 } }}>
      <Title title="System" />
      <Typography variant="h5" component="h1" gutterBottom>
        System
      </Typography>
      {system.error && <Alert severity="error">{errorMessage(system.error)}</Alert>}
      {s && (
        <Grid container spacing={2}>
          <Grid size={{ xs: 12, md: 6 }}>
            <Card>
              <CardContent>
                <Typography variant="h6" component="h2">
                  Queue by tier
                </Typography>
                <Table size="small" aria-label="Queue by tier">
                  <TableHead>
                    <TableRow>
                      <TableCell>Tier</TableCell>
                      <TableCell align="right">Queued</TableCell>
                      <TableCell align="right">Running</TableCell>
                    </TableRow>
                  </TableHead>
                  <TableBody>
                    {s.byTier.map((t) => (
                      <TableRow key={t.tier}>
                        <TableCell>{t.tier}</TableCell>
                        <TableCell align="right">{t.queued}</TableCell>
                        <TableCell align="right">{t.running}</TableCell>
                      </TableRow>
                    ))}
                  </TableBody>
                </Table>
                <Typography variant="body2" sx={{ mt: 1 }}>
                  Oldest queued: {formatDate(s.oldestQueuedAt)}
                </Typography>
                <Typography variant="body2">
                  Organizations deleted by their owners (30 days): {s.organizationsDeleted30d}
                </Typography>
              </CardContent>
            </Card>
          </Grid>
          <Grid size={{ xs: 12, md: 6 }}>
            <Card>
              <CardContent>
                <Typography variant="h6" component="h2">
                  Health
                </Typography>
                <Typography>
                  Launcher: {s.launcher === 'kubernetes' ? 'Kubernetes (RenderJobs)' : 'local workers'}
                </Typography>
                <Box sx={{ display: 'flex', gap: 1, flexWrap: 'wrap', my: 1 }}>
                  {Object.entries(s.dependencies).map(([name, state]) => (
                    <Chip key={name} label={`${name}: ${state}`} color={state === 'ok' ? 'success' : 'error'} />
                  ))}
                </Box>
                <Typography>
                  Last hour: {s.succeededLastHour} succeeded,{' '}
                  <Box
                    component="span"
                    sx={{
                      color: s.failedLastHour ? 'error.main' : undefined,
                      fontWeight: s.failedLastHour ? 700 : undefined,
                    }}
                  >
                    {s.failedLastHour} failed
                  </Box>
                </Typography>
              </CardContent>
            </Card>
          </Grid>
          <Grid size={{ xs: 12, md: 6 }}>
            <Card>
              <CardContent>
                <LineChart
                  title="Renders finished per hour (last 24 h)"
                  labels={hours}
                  series={[
                    { name: 'succeeded', color: '#2e7d32', values: s.throughput.map((p) => p.succeeded) },
                    { name: 'failed', color: '#c62828', values: s.throughput.map((p) => p.failed) },
                  ]}
                />
              </CardContent>
            </Card>
          </Grid>
          <Grid size={{ xs: 12, md: 6 }}>
            <Card>
              <CardContent>
                <LineChart
                  title="Realtime factor (seconds of video per second of rendering)"
                  labels={hours}
                  unit="×"
                  series={[
                    { name: 'realtime factor', color: '#1565c0', values: s.throughput.map((p) => p.realtimeFactor) },
                  ]}
                />
              </CardContent>
            </Card>
          </Grid>
        </Grid>
      )}
    </Box>
  );
}
