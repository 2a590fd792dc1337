/** The creator's home: plan and usage, storage and its expiry, recent renders live, projects, history, and "New video". */
import AddIcon from '@mui/icons-material/Add';
import {
  Alert,
  Box,
  Button,
  Card,
  CardContent,
  Grid,
  LinearProgress,
  List,
  ListItem,
  ListItemButton,
  ListItemText,
  Typography,
} from '@mui/material';
import { Title, useGetList } from 'react-admin';
import { Link as RouterLink } from 'react-router-dom';
import { errorMessage } from '../api/http';
import { useUsage } from '../api/queries';
import { RenderStatus, type RenderLike } from '../components/RenderStatus';
import { formatBytes, formatDate, formatDays, formatMinutes, planLabel } from '../lib/format';
import { RecentProjects } from './RecentProjects';
import { UsageHistory } from './UsageHistory';

function Stat({ label, value, detail, percent }: { label: string; value: string; detail?: string; percent?: number }) {
  return (
    <Card sx={{ height: '100%' }}>
      <CardContent>
        <Typography variant="overline" component="h3">
          {label}
        </Typography>
        <Typography variant="h5" component="p">
          {value}
        </Typography>
        {percent !== undefined && (
          <LinearProgress
            variant="determinate"
            value={Math.min(100, percent)}
            sx={{ my: 1 }}
            aria-label={`${label}: ${Math.round(percent)}% used`}
          />
        )}
        {detail && (
          <Typography variant="body2" color="text.secondary">
            {detail}
          </Typography>
        )}
      </CardContent>
    </Card>
  );
}

export function Dashboard() {
  const usage = useUsage();
  const recent = useGetList<RenderLike & { title: string | null; queuedAt: string }>('renders', {
    pagination: { page: 1, perPage: 5 },
    sort: { field: 'queuedAt', order: 'DESC' },
  });
  const u = usage.data;
  return (
    <Box sx={{ p: { xs: 1, sm: 2 } }}>
      <Title title="Dashboard" />
      <Box
        sx={{ display: 'flex', alignItems: 'center', justifyContent: 'space-between', flexWrap: 'wrap', gap: 1, mb: 2 }}
      >
        <Typography variant="h5" component="h1">
          Dashboard
        </Typography>
        <Button component={RouterLink} to="/new" variant="contained" size="large" startIcon={<AddIcon />}>
          New video
        </Button>
      </Box>
      {usage.error && <Alert severity="error">{errorMessage(usage.error)}</Alert>}
      {u && (
        <Grid container spacing={2}>
          <Grid size={{ xs: 12, sm: 6, md: 3 }}>
            <Stat label="Plan" value={planLabel(u.plan)} detail={`Period ends ${formatDate(u.period.end)}`} />
          </Grid>
          <Grid size={{ xs: 12, sm: 6, md: 3 }}>
            <Stat
              label="Renders this month"
              value={u.renders.limit === null ? `${u.renders.used} used` : `${u.renders.used} of ${u.renders.limit}`}
              detail={u.renders.remaining === null ? 'Unlimited' : `${u.renders.remaining} remaining`}
              {...(u.renders.limit ? { percent: (u.renders.used / u.renders.limit) * 100 } : {})}
            />
          </Grid>
          <Grid size={{ xs: 12, sm: 6, md: 3 }}>
            <Stat
              label="Rendered"
              value={formatMinutes(u.renderedSeconds)}
              detail={`${u.concurrency.running} of ${u.concurrency.limit} rendering now`}
            />
          </Grid>
          <Grid size={{ xs: 12, sm: 6, md: 3 }}>
            <Stat
              label="Storage held"
              value={formatBytes(u.storage.bytes)}
              detail={
                u.storage.nextExpiry
                  ? `${u.storage.files} files; the next expires ${formatDate(u.storage.nextExpiry)} (kept ${formatDays(u.storage.retentionDays)})`
                  : `Files are kept ${formatDays(u.storage.retentionDays)}`
              }
            />
          </Grid>
        </Grid>
      )}
      <Card sx={{ mt: 2 }}>
        <CardContent>
          <Typography variant="h6" component="h2">
            Recent renders
          </Typography>
          {recent.data?.length === 0 && (
            <Typography color="text.secondary">
              No renders yet. Upload a video and type a script to make your first.
            </Typography>
          )}
          <List aria-label="Recent renders">
            {recent.data?.map((r) => (
              <ListItem key={r.id} disablePadding>
                <ListItemButton component={RouterLink} to={`/renders/${r.id}/show`} sx={{ gap: 2, flexWrap: 'wrap' }}>
                  <ListItemText primary={r.title ?? 'Untitled'} secondary={formatDate(r.queuedAt)} />
                  <RenderStatus render={r} />
                </ListItemButton>
              </ListItem>
            ))}
          </List>
          <Button component={RouterLink} to="/renders">
            All renders
          </Button>
        </CardContent>
      </Card>
      <RecentProjects />
      <UsageHistory />
    </Box>
  );
}
