/** Which project a render is filed under, changed in place. */
import { FormControl, InputLabel, MenuItem, Select } from '@mui/material';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useNotify } from 'react-admin';
import type { RenderView } from '@cutline/contract';
import { api, errorMessage } from '../api/http';
import { useOpenProjects } from '../api/queries';

export function RenderFiling({ render }: { render: RenderView }) {
  const projects = useOpenProjects();
  const notify = useNotify();
  const queryClient = useQueryClient();
  const [busy, setBusy] = useState(false);
  const move = async (projectId: string) => {
    setBusy(true);
    try {
      await api(`/v1/renders/${render.id}`, { method: 'PATCH', json: { projectId: projectId || null } });
      await queryClient.invalidateQueries();
      notify(projectId ? 'Filed under the project.' : 'Taken out of its project.', { type: 'info' });
    } catch (err) {
      notify(errorMessage(err), { type: 'error' });
    } finally {
      setBusy(false);
    }
  };
  const known = (projects.data ?? []).some((p) => p.id === render.projectId);
  return (
    <FormControl size="small" sx={{ mt: 2, minWidth: 240, maxWidth: 360, display: 'flex' }} disabled={busy}>
      <InputLabel id={`project-of-${render.id}`}>Project</InputLabel>
      <Select
        labelId={`project-of-${render.id}`}
        label="Project"
        value={known ? (render.projectId ?? '') : ''}
        onChange={(e) => void move(e.target.value)}
      >
        <MenuItem value="">No project</MenuItem>
        {(projects.data ?? []).map((p) => (
          <MenuItem key={p.id} value={p.id}>
            {p.name}
          </MenuItem>
        ))}
      </Select>
    </FormControl>
  );
}
