/** Plan, usage and invoices; upgrade through Stripe Checkout, manage through the Customer Portal. */
import {
  Alert,
  Box,
  Button,
  Card,
  CardContent,
  Chip,
  Grid,
  Link,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  Typography,
} from '@mui/material';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Title, usePermissions } from 'react-admin';
import type { Permissions } from '../api/authProvider';
import { api, errorMessage } from '../api/http';
import { usePlans, useUsage } from '../api/queries';
import { formatBytes, formatDate, formatDays, formatSeconds, planLabel } from '../lib/format';

interface BillingSummary {
  enabled: boolean;
  plan: string;
  subscription: {
    status: string;
    plan: string;
    currentPeriodEnd: string;
    cancelAtPeriodEnd: boolean;
    downgradeTo: string | null;
    graceEndsAt: string | null;
  } | null;
  plans: Array<{ id: string; priceMonthlyUsd: number | null; purchasable: boolean }>;
}

interface Invoice {
  id: string;
  number: string | null;
  status: string | null;
  currency: string;
  totalCents: number;
  createdAt: string;
  hostedUrl: string | null;
}

export function Billing() {
  const { permissions } = usePermissions<Permissions>();
  const canPay = permissions?.role === 'admin' || permissions?.role === 'owner';
  const billing = useQuery({
    queryKey: ['billing'],
    queryFn: async () => (await api<BillingSummary>('/v1/billing')).data,
  });
  const usage = useUsage();
  const plans = usePlans();
  const invoices = useQuery({
    queryKey: ['invoices'],
    queryFn: async () => (await api<Invoice[]>('/v1/billing/invoices')).data,
    enabled: Boolean(billing.data?.enabled && billing.data.subscription),
  });
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);

  const go = async (path: string, body?: unknown) => {
    setError(null);
    setBusy(path);
    try {
      const { data } = await api<{ url?: string; action?: string }>(path, {
        method: 'POST',
        ...(body ? { json: body } : {}),
      });
      if (data.url) window.location.assign(data.url);
      else await billing.refetch();
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(null);
    }
  };

  const b = billing.data;
  return (
    <Box sx={{ p: { xs: 1, sm: 2 } }}>
      <Title title="Billing" />
      <Typography variant="h5" component="h1" gutterBottom>
        Plan and billing
      </Typography>
      {(billing.error ?? usage.error) && <Alert severity="error">{errorMessage(billing.error ?? usage.error)}</Alert>}
      {error && (
        <Alert severity="error" role="alert" sx={{ mb: 2 }}>
          {error}
        </Alert>
      )}
      {b && (
        <Card sx={{ mb: 2 }}>
          <CardContent>
            <Typography variant="h6" component="h2">
              {planLabel(b.plan)} plan
            </Typography>
            {b.subscription && (
              <Typography>
                Subscription {b.subscription.status}; renews {formatDate(b.subscription.currentPeriodEnd)}
                {b.subscription.cancelAtPeriodEnd ? ' (cancels then)' : ''}
                {b.subscription.downgradeTo ? `; moves to ${planLabel(b.subscription.downgradeTo)} then` : ''}
                {b.subscription.graceEndsAt
                  ? `. Payment failed: update your card before ${formatDate(b.subscription.graceEndsAt)}.`
                  : ''}
              </Typography>
            )}
            {!b.enabled && (
              <Typography color="text.secondary">
                Billing is not enabled on this installation; your operator sets plans.
              </Typography>
            )}
            {b.enabled && b.subscription && canPay && (
              <Button
                sx={{ mt: 1 }}
                variant="outlined"
                disabled={busy !== null}
                onClick={() => void go('/v1/billing/portal')}
              >
                Manage payment and invoices
              </Button>
            )}
          </CardContent>
        </Card>
      )}
      {usage.data && (
        <Card sx={{ mb: 2 }}>
          <CardContent>
            <Typography variant="h6" component="h2">
              This period ({formatDate(usage.data.period.start)} – {formatDate(usage.data.period.end)})
            </Typography>
            <Typography>
              Renders: {usage.data.renders.used}
              {usage.data.renders.limit !== null ? ` of ${usage.data.renders.limit}` : ''}; rendered{' '}
              {formatSeconds(usage.data.renderedSeconds)}; storage {formatBytes(usage.data.storage.bytes)}
            </Typography>
          </CardContent>
        </Card>
      )}
      <Grid container spacing={2}>
        {(plans.data ?? []).map((p) => {
          const offer = b?.plans.find((o) => o.id === p.id);
          const current = b?.plan === p.id;
          return (
            <Grid key={p.id} size={{ xs: 12, sm: 6, md: 4, lg: 2.4 }}>
              <Card variant="outlined" sx={{ height: '100%', borderColor: current ? 'primary.main' : undefined }}>
                <CardContent>
                  <Typography variant="h6" component="h3">
                    {planLabel(p.id)} {current && <Chip size="small" color="primary" label="Current" />}
                  </Typography>
                  <Typography variant="h5" component="p">
                    {p.priceMonthlyUsd === null ? 'Contact us' : `$${p.priceMonthlyUsd}/mo`}
                  </Typography>
                  <Box component="ul" sx={{ pl: 2 }}>
                    <li>{p.rendersPerMonth === null ? 'Unlimited renders' : `${p.rendersPerMonth} renders a month`}</li>
                    <li>
                      {p.maxNarrationSeconds === null
                        ? 'Any narration length'
                        : `Narration up to ${formatSeconds(p.maxNarrationSeconds)}`}
                    </li>
                    <li>Up to {p.maxResolution}p</li>
                    <li>Files kept {formatDays(p.retentionDays)}</li>
                    <li>{p.batch ? 'CSV batches' : 'No CSV batches'}</li>
                    <li>{p.watermark ? 'Watermark' : 'No watermark'}</li>
                  </Box>
                  {b?.enabled && offer?.purchasable && !current && canPay && (
                    <Button
                      variant="contained"
                      disabled={busy !== null}
                      onClick={() => void go('/v1/billing/checkout', { plan: p.id })}
                    >
                      Choose {planLabel(p.id)}
                    </Button>
                  )}
                </CardContent>
              </Card>
            </Grid>
          );
        })}
      </Grid>
      {invoices.data && invoices.data.length > 0 && (
        <Card sx={{ mt: 2 }}>
          <CardContent sx={{ overflowX: 'auto' }}>
            <Typography variant="h6" component="h2">
              Invoices
            </Typography>
            <Table size="small" aria-label="Invoices">
              <TableHead>
                <TableRow>
                  <TableCell>Number</TableCell>
                  <TableCell>Date</TableCell>
                  <TableCell>Status</TableCell>
                  <TableCell>Total</TableCell>
                </TableRow>
              </TableHead>
              <TableBody>
                {invoices.data.map((i) => (
                  <TableRow key={i.id}>
                    <TableCell>
                      {i.hostedUrl ? <Link href={i.hostedUrl}>{i.number ?? i.id}</Link> : (i.number ?? i.id)}
                    </TableCell>
                    <TableCell>{formatDate(i.createdAt)}</TableCell>
                    <TableCell>{i.status}</TableCell>
                    <TableCell>
                      {(i.totalCents / 100).toFixed(2)} {i.currency.toUpperCase()}
                    </TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          </CardContent>
        </Card>
      )}
    </Box>
  );
}
