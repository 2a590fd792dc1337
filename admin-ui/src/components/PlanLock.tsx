/** Wraps an option the plan lacks: shown, disabled, and naming the plan that unlocks it. */
import LockIcon from '@mui/icons-material/Lock';
import { Box, Typography } from '@mui/material';
import type { ReactNode } from 'react';
import { planLabel } from '../lib/format';

export function PlanLock({ unlockedBy, children }: { unlockedBy: string | null; children: ReactNode }) {
  if (!unlockedBy) return <>{children}</>;
  return (
    <Box>
      {children}
      <Typography variant="caption" color="text.secondary" sx={{ display: 'flex', alignItems: 'center', gap: 0.5 }}>
        <LockIcon fontSize="inherit" aria-hidden /> Available on {planLabel(unlockedBy)} and above
      </Typography>
    </Box>
  );
}
