/** Where the video is filed (an open project) and whether its files go once downloaded. */
import { Checkbox, FormControl, FormControlLabel, FormHelperText, InputLabel, MenuItem, Select } from '@mui/material';
import { useOpenProjects } from '../api/queries';
import { Section } from './sections';
import type { NewVideoForm } from './useNewVideo';

export function DeliverySection({ form }: { form: NewVideoForm }) {
  const projects = useOpenProjects();
  const problem = form.fieldError('projectId');
  return (
    <Section title="7. Project and delivery">
      <FormControl sx={{ minWidth: 260, mb: 1 }} error={Boolean(problem)}>
        <InputLabel id="new-video-project">Project</InputLabel>
        <Select
          labelId="new-video-project"
          label="Project"
          value={form.fields.projectId}
          onChange={(e) => form.set('projectId', e.target.value)}
        >
          <MenuItem value="">No project</MenuItem>
          {(projects.data ?? []).map((p) => (
            <MenuItem key={p.id} value={p.id}>
              {p.name}
            </MenuItem>
          ))}
        </Select>
        {problem && <FormHelperText>{problem}</FormHelperText>}
      </FormControl>
      <FormControlLabel
        sx={{ display: 'flex' }}
        control={
          <Checkbox
            checked={form.fields.deleteAfterDownload}
            onChange={(e) => form.set('deleteAfterDownload', e.target.checked)}
          />
        }
        label="Delete the files once I downloaded them"
      />
    </Section>
  );
}
