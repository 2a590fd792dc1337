/**
 * New video: upload, script (or a CSV batch), voice, caption style, formats and options, then
 * Generate. Options the plan lacks are shown disabled with the plan that unlocks them; the
 * API's refusals appear next to the field they name.
 */
import { Alert, Box, Button, Tab, Tabs, Typography } from '@mui/material';
import { useState } from 'react';
import { Title } from 'react-admin';
import { errorMessage } from '../api/http';
import { unlockingPlan, useCaptionStyles, usePlans, useUsage, useVoices } from '../api/queries';
import { CsvBatch } from '../batches/CsvBatch';
import { PlanLock } from '../components/PlanLock';
import {
  BrandingSection,
  CaptionsSection,
  FormatsSection,
  ScriptSection,
  Section,
  VideoSection,
  VoiceSection,
} from './sections';
import { useNewVideo } from './useNewVideo';
import { DeliverySection } from './DeliverySection';

export function NewVideo() {
  const usage = useUsage();
  const plans = usePlans();
  const voices = useVoices();
  const styles = useCaptionStyles();
  const plan = usage.data?.plan;
  const limits = usage.data?.limits;
  const maxSeconds = limits?.maxNarrationSeconds ?? null;
  const form = useNewVideo(maxSeconds);
  const [mode, setMode] = useState<'script' | 'csv'>('script');
  const batchPlan = unlockingPlan(plans.data, plan, (p) => p.batch);
  const planContext = { plans: plans.data, plan, limits };

  return (
    <Box sx={{ p: { xs: 1, sm: 2 }, maxWidth: 1100 }}>
      <Title title="New video" />
      <Typography variant="h5" component="h1" gutterBottom>
        New video
      </Typography>
      <Tabs
        value={mode}
        onChange={(_e, v: 'script' | 'csv') => setMode(v)}
        aria-label="How to make videos"
        sx={{ mb: 2 }}
      >
        <Tab value="script" label="One video" />
        <Tab value="csv" label="CSV batch" disabled={Boolean(batchPlan)} />
      </Tabs>
      {batchPlan && (
        <PlanLock unlockedBy={batchPlan}>
          <Typography variant="body2">CSV batches (one row per video) are not part of your plan.</Typography>
        </PlanLock>
      )}
      {mode === 'csv' ? (
        <Section title="Batch from a CSV">
          <CsvBatch maxNarrationSeconds={maxSeconds} />
        </Section>
      ) : (
        <>
          <VideoSection form={form} limits={limits} />
          <ScriptSection form={form} maxSeconds={maxSeconds} />
          <VoiceSection form={form} voices={voices.data} />
          <CaptionsSection form={form} styles={styles.data} />
          <FormatsSection form={form} {...planContext} />
          <BrandingSection form={form} {...planContext} />
          <DeliverySection form={form} />
          {form.error && (
            <Alert severity="error" role="alert" sx={{ mb: 2 }}>
              {errorMessage(form.error)}
            </Alert>
          )}
          <Button
            variant="contained"
            size="large"
            onClick={() => void form.submit()}
            disabled={form.busy || !form.ready}
          >
            {form.busy ? 'Submitting…' : 'Generate'}
          </Button>
          {!form.fields.video && (
            <Typography variant="body2" color="text.secondary" sx={{ mt: 1 }}>
              Upload a video to generate.
            </Typography>
          )}
        </>
      )}
    </Box>
  );
}
